import { test, expect, signIn, shot } from "./fixtures";
import { startFakeOpenAI } from "../test/fake-llm/openai";
import type { FakeLlmServer } from "../test/fake-llm/fake-server";

const KEY = "sk-test-abcdef123456";

test.describe("Settings → Models", () => {
  let fake: FakeLlmServer;
  test.beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  test.afterAll(async () => {
    await fake.close();
  });

  test("an admin adds an OpenAI-compatible provider on a local server, tests a model and sees its answer", async ({ page }) => {
    await signIn(page, "admin", "/settings/models");
    // Demo mode's replay provider, with the default model.
    await expect(page.locator('[data-testid="provider-card"][data-provider="Replay (built-in)"]')).toBeVisible();
    await expect(page.getByTestId("default-model")).toContainText("replay:refund-demo");

    await page.getByTestId("add-provider").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: /OpenAI-compatible/ }).click();
    await dialog.getByLabel("Name").fill("Local fake");
    await dialog.getByLabel(/API key/).fill(KEY);
    await dialog.getByTestId("provider-save").click();
    // The missing URL is named on its field; what was typed stays.
    await expect(dialog.getByText("is required for an OpenAI-compatible server")).toBeVisible();
    await expect(dialog.getByLabel("Base URL")).toHaveAttribute("aria-invalid", "true");
    await expect(dialog.getByLabel("Name")).toHaveValue("Local fake");
    await dialog.getByLabel("Base URL").fill(fake.baseURL);
    await shot(page, "settings-models-01-provider");
    await dialog.getByTestId("provider-save").click();
    await expect(dialog).toHaveCount(0);

    const card = page.locator('[data-testid="provider-card"][data-provider="Local fake"]');
    await expect(card.getByTestId("provider-key")).toHaveText(/••••3456/);
    await card.getByTestId("add-model").click();
    const modelDialog = page.getByRole("dialog");
    await modelDialog.getByLabel("Provider model name").fill("fake-chat");
    await modelDialog.getByLabel("Label").fill("Fake chat");
    await modelDialog.getByLabel("Input price").fill("-1");
    await modelDialog.getByTestId("model-save").click();
    await expect(modelDialog.getByText("must not be negative")).toBeVisible();
    await modelDialog.getByLabel("Input price").fill("0.15");
    await modelDialog.getByLabel("Output price").fill("0.6");
    await modelDialog.getByTestId("model-save").click();
    await expect(modelDialog).toHaveCount(0);

    const model = card.locator('[data-testid="model-row"][data-model="fake-chat"]');
    await expect(model).toContainText("Fake chat");
    await expect(model).toContainText("$0.15 / $0.60");

    fake.enqueue({ kind: "text", text: "Hello from the fake model" });
    await model.getByRole("button", { name: "Test fake-chat" }).click();
    await expect(model.getByTestId("model-test-result")).toHaveAttribute("data-ok", "true");
    await expect(model.getByTestId("model-test-result")).toContainText("Hello from the fake model");
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests.at(-1)?.body.model).toBe("fake-chat");
    await shot(page, "settings-models-02-tested");

    fake.enqueue({ kind: "status", status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}`, type: "invalid_request_error" } } });
    await model.getByRole("button", { name: "Test fake-chat" }).click();
    await expect(model.getByTestId("model-test-result")).toHaveAttribute("data-ok", "false");
    await expect(model.getByTestId("model-test-result")).toContainText("Incorrect API key provided: ••••");

    await model.getByRole("button", { name: "Make fake-chat the default model" }).click();
    await expect(page.getByTestId("default-model")).toContainText("fake-chat");
    await expect(model).toContainText("default");

    // Nothing on the page, as sent or as shown, holds the key.
    expect(await (await page.request.get("/settings/models")).text()).not.toContain(KEY);
    expect(await page.content()).not.toContain(KEY);
    await shot(page, "settings-models-03-default");

    // Editing keeps the key unless replaced.
    await card.getByRole("button", { name: "Edit Local fake" }).click();
    const edit = page.getByRole("dialog");
    await expect(edit.getByTestId("masked-key")).toContainText("••••3456");
    await edit.getByLabel("Name").fill("Local fake LLM");
    await edit.getByTestId("provider-save").click();
    const renamed = page.locator('[data-testid="provider-card"][data-provider="Local fake LLM"]');
    await expect(renamed.getByTestId("provider-key")).toHaveText(/••••3456/);

    await renamed.getByRole("button", { name: "Delete fake-chat" }).click();
    await expect(page.getByRole("dialog")).toContainText("It is the default model");
    await page.getByTestId("confirm-action").click();
    await expect(renamed.getByTestId("model-row")).toHaveCount(0);
    await expect(page.getByTestId("default-model")).toContainText("No default model");
  });
});
