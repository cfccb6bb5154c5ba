import { test, expect, signIn, shot } from "./fixtures";
import { startFakeEmbeddings, type FakeEmbeddingsServer } from "../server/knowledge/testing/fake-embeddings";

// An admin registers an embedding model; Settings → Knowledge goes from keyword only to hybrid,
// shows the re-embedding progress until every clause is embedded, and Try a search answers with
// both rankings. The model is deleted at the end, so later specs search by keyword as before.
test.describe("Settings → Knowledge: embeddings", () => {
  let fake: FakeEmbeddingsServer;
  test.beforeAll(async () => {
    fake = await startFakeEmbeddings();
  });
  test.afterAll(async () => {
    await fake.close();
  });

  test("an admin adds an embedding model and watches the knowledge base being embedded", async ({ page }) => {
    await signIn(page, "admin", "/settings/knowledge");
    const status = page.getByTestId("knowledge-embeddings");
    await expect(status.getByTestId("knowledge-search-mode")).toHaveText("keyword only");
    await expect(status).toContainText("No embedding model is registered");
    await page.goto("/settings/knowledge?q=do+we+pay+back+postage");
    await expect(page.getByTestId("knowledge-search-notice")).toContainText("No embedding model is registered");

    await page.goto("/settings/models");
    await page.getByTestId("add-provider").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: /OpenAI-compatible/ }).click();
    await dialog.getByLabel("Name").fill("Local embeddings");
    await dialog.getByLabel("Base URL").fill(fake.url);
    await dialog.getByTestId("provider-save").click();
    await expect(dialog).toHaveCount(0);
    const card = page.locator('[data-testid="provider-card"][data-provider="Local embeddings"]');
    await card.getByTestId("add-model").click();
    const modelDialog = page.getByRole("dialog");
    await modelDialog.getByLabel("Provider model name").fill("fake-embed");
    await modelDialog.getByLabel("Used for").selectOption("embedding");
    await expect(modelDialog.getByText("Make it the default model")).toHaveCount(0);
    await modelDialog.getByTestId("model-save").click();
    await expect(modelDialog).toHaveCount(0);
    const model = card.locator('[data-testid="model-row"][data-model="fake-embed"]');
    await expect(model).toContainText("embeddings");
    await model.getByRole("button", { name: "Test fake-embed" }).click();
    await expect(model.getByTestId("model-test-result")).toContainText("Embedded a test text as 256 numbers");

    await page.goto("/settings/knowledge");
    await expect(status.getByTestId("knowledge-search-mode")).toHaveText("hybrid");
    const progress = status.getByTestId("knowledge-embedding-progress");
    await expect(progress).toBeVisible();
    // The page refreshes itself while embedding runs; every clause ends up embedded.
    await expect(progress).toContainText(/(\d+) of \1 clauses embedded/, { timeout: 60_000 });
    await expect(status.getByRole("progressbar")).toHaveAttribute("aria-valuenow", /\d+/);
    await shot(page, "knowledge-embeddings-01-progress");
    expect(fake.inputs.length).toBeGreaterThan(0);

    await page.goto("/settings/knowledge?q=do+we+pay+back+postage");
    await expect(page.getByTestId("knowledge-search-notice")).toHaveCount(0);
    await expect(page.getByTestId("knowledge-hits").locator("li").first()).toContainText("meaning #");
    await shot(page, "knowledge-embeddings-02-search");

    // Deleting the model turns search back to keyword only.
    await page.goto("/settings/models");
    await card.getByRole("button", { name: "Delete Local embeddings" }).click();
    await page.getByRole("dialog").getByRole("button", { name: /Delete/ }).click();
    await expect(card).toHaveCount(0);
    await page.goto("/settings/knowledge");
    await expect(status.getByTestId("knowledge-search-mode")).toHaveText("keyword only");
  });
});
