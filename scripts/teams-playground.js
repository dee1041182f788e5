// Drives the Microsoft 365 Agents Playground with headless Chromium; run by
// scripts/teams-playground, which starts the bot and the Playground first.
const { chromium } = require("playwright-core");

const out = process.env.OUT;
const pause = (ms) => new Promise((done) => setTimeout(done, ms));

async function shot(page, name) {
  await pause(1500); // cards render a moment after the message arrives
  // The conversation, without the Playground's log panel.
  await page.screenshot({ path: `${out}/${name}.png`, clip: { x: 0, y: 0, width: 950, height: 900 } });
  console.error(`saved ${name}.png`);
}

async function compose(page) {
  const box = page.locator('[data-lexical-editor="true"]').first();
  await box.waitFor({ timeout: 20000 });
  return box;
}

async function say(page, text) {
  const box = await compose(page);
  await box.click();
  await box.fill("");
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

async function mention(page, text) {
  // In a channel: "@", the bot from the mention picker, the words, then Post.
  const box = await compose(page);
  await box.click();
  await page.keyboard.type("@");
  await page.getByRole("menuitem", { name: /Test Bot/ }).first().click();
  await page.keyboard.type(` ${text}`);
  const post = page.getByRole("button", { name: /^Post$/ });
  if (await post.count()) await post.first().click();
  else await page.keyboard.press("Enter");
}

(async () => {
  // A fresh profile directory each run (Playwright passes it as --user-data-dir).
  const browser = await chromium.launchPersistentContext(process.env.PROFILE, {
    executablePath: process.env.CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  const page = browser.pages()[0] || (await browser.newPage());
  await page.goto(process.env.URL, { waitUntil: "networkidle" });
  await shot(page, "00-start");

  await say(page, "help");
  await shot(page, "01-help-personal");
  await say(page, "principles");
  await shot(page, "02-principles");

  await page.getByText("General", { exact: true }).first().click();
  await pause(1000);
  await mention(page, "tip");
  await shot(page, "03-tip-channel");
  await mention(page, "help");
  await shot(page, "04-help-channel");
  await mention(page, 'poll "Where shall we meet?" "Café" "Canteen"');
  await pause(2500);
  await shot(page, "05-poll-channel");
  const vote = page.getByRole("button", { name: "Café" }).last();
  if (await vote.count()) {
    await vote.click();
    await shot(page, "06-poll-voted");
  }
  await browser.close();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
