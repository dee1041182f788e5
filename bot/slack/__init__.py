"""The Slack edge: Bolt AsyncApp listeners and the Web API client."""
