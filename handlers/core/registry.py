"""Every command and every action, declared once beside its handler.

Parsing, help, the authorization check, the Slack manifest and the Teams
command lists all read this registry, so a command added in one place shows up
everywhere, and two features claiming the same word or action id fail at import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

from handlers.core.context import Context
from handlers.core.model import Actor, FieldValue, Reply
from handlers.core.payloads import Codec

P = TypeVar("P")
P_contra = TypeVar("P_contra", contravariant=True)


class Role(StrEnum):
    """Who may run a command: everyone, facilitators, or workspace admins."""

    MEMBER = "member"
    FACILITATOR = "facilitator"
    ADMIN = "admin"


class CommandHandler(Protocol):
    async def __call__(self, *, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply: ...


class ActionHandler(Protocol[P_contra]):
    async def __call__(
        self,
        *,
        ctx: Context,
        actor: Actor,
        payload: P_contra,
        values: Mapping[str, FieldValue],
    ) -> Reply: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Subcommand:
    """A first word that needs another role than its command, with its synonyms.

    The first word is the name a refusal uses (`/ccpl forum setup` for `forum new`).
    """

    words: tuple[str, ...]
    role: Role


@dataclass(frozen=True, kw_only=True, slots=True)
class CommandSpec:
    """A command: the words that run it, its help lines, and who may run it.

    `role` applies to the whole command unless a `Subcommand` names another role for
    a first word such as `forum setup`; `why` finishes a refusal's sentence. `slow`
    answers show "Preparing..." first on platforms with a deadline; `private` answers
    go to the asker only. `listed` is False for a word whose help line another
    command's usage already covers (`resume` under `pause`).
    """

    name: str
    handler: CommandHandler
    usage: str
    summary: str
    aliases: tuple[str, ...] = ()
    role: Role = Role.MEMBER
    subcommands: tuple[Subcommand, ...] = ()
    why: str = ""
    slow: bool = False
    private: bool = True
    listed: bool = True
    order: int = 100

    def _subcommand(self, args: tuple[str, ...]) -> Subcommand | None:
        first = args[0].lower() if args else ""
        return next((sub for sub in self.subcommands if first in sub.words), None)

    def role_for(self, args: tuple[str, ...]) -> Role:
        sub = self._subcommand(args)
        return self.role if sub is None else sub.role

    def what_for(self, args: tuple[str, ...]) -> str:
        """How a refusal names what was asked: `/ccpl forum setup`."""
        sub = self._subcommand(args)
        return f"/ccpl {self.name}" if sub is None else f"/ccpl {self.name} {sub.words[0]}"

    def help_lines(self) -> tuple[tuple[str, str], ...]:
        return ((self.usage, self.summary),) if self.listed else ()


@dataclass(frozen=True, kw_only=True, slots=True)
class ActionSpec(Generic[P]):
    """A button or form id, how its payload is read back, and who may press it.

    `what` and `why` word a refusal, e.g. "`/ccpl audit` is for workspace admins: ...".
    """

    action_id: str
    codec: Codec[P]
    handler: ActionHandler[P]
    role: Role = Role.MEMBER
    what: str = "That button"
    why: str = ""


class DuplicateDeclaration(ValueError):
    """Two features claimed the same command word or action id."""


class Registry:
    """Commands by canonical name and by every word that reaches them; actions by id."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._words: dict[str, str] = {}
        self._actions: dict[str, ActionSpec[Any]] = {}

    def add_command(self, spec: CommandSpec) -> None:
        for word in (spec.name, *spec.aliases):
            claimed = self._words.get(word)
            if claimed is not None:
                raise DuplicateDeclaration(f"'{word}' is claimed by both {claimed} and {spec.name}")
        self._commands[spec.name] = spec
        for word in (spec.name, *spec.aliases):
            self._words[word] = spec.name

    def add_action(self, spec: ActionSpec[Any]) -> None:
        if spec.action_id in self._actions:
            raise DuplicateDeclaration(f"action id '{spec.action_id}' is declared twice")
        self._actions[spec.action_id] = spec

    def copy(self) -> Registry:
        """A registry with the same declarations, for trying a new one in isolation."""
        twin = Registry()
        twin._commands = dict(self._commands)
        twin._words = dict(self._words)
        twin._actions = dict(self._actions)
        return twin

    def canonical(self, word: str) -> str:
        """The command a typed word names (an alias becomes its command's name)."""
        return self._words.get(word, word)

    def command(self, name: str) -> CommandSpec | None:
        return self._commands.get(name)

    def action(self, action_id: str) -> ActionSpec[Any] | None:
        return self._actions.get(action_id)

    def commands(self) -> Iterator[CommandSpec]:
        """Commands in help order: `order`, then the order they were declared."""
        return iter(sorted(self._commands.values(), key=lambda spec: spec.order))

    def words(self) -> Mapping[str, str]:
        return MappingProxyType(self._words)

    def action_ids(self) -> frozenset[str]:
        return frozenset(self._actions)


REGISTRY = Registry()
"""The process-wide registry that feature packages declare themselves into."""

H = TypeVar("H", bound=CommandHandler)


def command(
    *,
    name: str,
    usage: str,
    summary: str,
    aliases: tuple[str, ...] = (),
    role: Role = Role.MEMBER,
    subcommands: tuple[Subcommand, ...] = (),
    why: str = "",
    slow: bool = False,
    private: bool = True,
    listed: bool = True,
    order: int = 100,
    registry: Registry = REGISTRY,
) -> Callable[[H], H]:
    """Declare the decorated function as the handler of a command."""

    def declare(handler: H) -> H:
        registry.add_command(
            CommandSpec(
                name=name,
                handler=handler,
                usage=usage,
                summary=summary,
                aliases=aliases,
                role=role,
                subcommands=subcommands,
                why=why,
                slow=slow,
                private=private,
                listed=listed,
                order=order,
            )
        )
        return handler

    return declare


def action(
    action_id: str,
    *,
    codec: Codec[P],
    role: Role = Role.MEMBER,
    what: str = "That button",
    why: str = "",
    registry: Registry = REGISTRY,
) -> Callable[[ActionHandler[P]], ActionHandler[P]]:
    """Declare the decorated function as the handler of a button or form id."""

    def declare(handler: ActionHandler[P]) -> ActionHandler[P]:
        spec = ActionSpec(
            action_id=action_id, codec=codec, handler=handler, role=role, what=what, why=why
        )
        registry.add_action(spec)
        return handler

    return declare
