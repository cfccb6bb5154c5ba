"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import type { UploadFormState } from "@/components/knowledge/upload-form";
import { userActor } from "@/server/audit/record";
import { can, requirePageUser } from "@/server/auth/page-user";
import { getDatabase } from "@/server/db/client";
import {
  createCollection,
  deleteDocument,
  fileInput,
  grantCollection,
  KnowledgeError,
  previewDocument,
  revokeCollection,
  uploadDocument,
  type UploadDocumentInput,
} from "@/server/knowledge";
import { unstorableTextReason } from "@/lib/storable-text";

// Server actions are public endpoints: each checks the caller is an admin, as the tRPC
// procedures do (server/api/routers/knowledge.ts).
async function requireAdmin() {
  const user = await requirePageUser("/settings/knowledge");
  if (!can(user, "admin")) throw new Error("Managing knowledge needs the admin role");
  return user;
}

export async function uploadKnowledge(_prev: UploadFormState, form: FormData): Promise<UploadFormState> {
  const user = await requireAdmin();
  const mode = form.get("mode") === "paste" ? "paste" : "file";
  const preview = form.get("intent") === "preview";
  const title = String(form.get("title") ?? "").trim() || undefined;
  const collection = String(form.get("collection") ?? "").trim() || undefined;
  const badTitle = title ? unstorableTextReason(title) : null;
  if (badTitle) return { message: null, problems: { title: `The title ${badTitle}.` } };

  let target: string;
  try {
    let input: UploadDocumentInput;
    if (mode === "file") {
      const file = form.get("file");
      if (!(file instanceof File) || !file.size) {
        return { message: null, problems: { file: file instanceof File && file.name ? `${file.name} is empty.` : "Choose a file: Markdown, text, HTML, PDF or Word (.docx)." } };
      }
      input = await fileInput({ filename: file.name, bytes: new Uint8Array(await file.arrayBuffer()), title, collection });
    } else {
      const content = String(form.get("content") ?? "");
      const format = form.get("format") === "text" ? "text" : "markdown";
      if (!title && !/^\s*#\s+\S/m.test(content)) return { message: null, problems: { title: "Give the document a title." } };
      input = { content, title, format, collection };
    }
    // Text the database cannot store (a NUL, a lone surrogate) is the person's to fix, not a 500.
    const badContent = unstorableTextReason(input.content);
    if (badContent) return { message: null, problems: { [mode === "file" ? "file" : "content"]: `${mode === "file" ? "This document" : "The text"} ${badContent}.` } };
    if (preview) return { message: null, problems: {}, preview: previewDocument(input) };
    const res = await uploadDocument(await getDatabase(), input, userActor(user));
    target = `/settings/knowledge/${res.document.id}?result=${res.outcome}`;
  } catch (e) {
    if (e instanceof KnowledgeError) {
      const problems: Record<string, string> = {};
      for (const p of e.problems) {
        const field = p.path === "content" && mode === "file" ? "file" : p.path;
        const subject = field === "file" ? "This document" : field === "title" ? "The title" : field === "collection" ? "The collection" : "The text";
        const said = /^(must|has|is|are)\b/.test(p.message)
          ? `${subject} ${p.message}`
          : field === "file"
            ? p.message // starts with the file's name, written as it is
            : p.message.charAt(0).toUpperCase() + p.message.slice(1);
        const sentence = said.endsWith(".") ? said : `${said}.`;
        problems[field] = problems[field] ? `${problems[field]} ${sentence}` : sentence;
      }
      return { message: e.problems.length ? null : e.message, problems };
    }
    throw e;
  }
  revalidatePath("/settings/knowledge");
  redirect(target);
}

export async function deleteKnowledge(id: string): Promise<void> {
  const user = await requireAdmin();
  await deleteDocument(await getDatabase(), id, userActor(user));
  revalidatePath("/settings/knowledge");
  redirect("/settings/knowledge?result=deleted");
}

/** Back to the page with what happened, or with the refusal (naming the field) when it did not. */
async function collectionChange(result: string, change: () => Promise<unknown>): Promise<never> {
  let target = `/settings/knowledge?result=${result}`;
  try {
    await change();
  } catch (e) {
    if (!(e instanceof KnowledgeError)) throw e;
    const first = e.problems[0];
    target = `/settings/knowledge?problem=${encodeURIComponent(first ? `${first.path}: ${first.message}` : e.message)}`;
  }
  revalidatePath("/settings/knowledge");
  redirect(target);
}

export async function createKnowledgeCollection(form: FormData): Promise<void> {
  const user = await requireAdmin();
  const input = { slug: String(form.get("slug") ?? ""), title: String(form.get("title") ?? ""), description: String(form.get("description") ?? "") };
  await collectionChange("collection_created", async () => createCollection(await getDatabase(), input, userActor(user)));
}

export async function grantKnowledge(form: FormData): Promise<void> {
  const user = await requireAdmin();
  const input = { collection: String(form.get("collection") ?? ""), missionId: String(form.get("missionId") ?? "") };
  await collectionChange("granted", async () => grantCollection(await getDatabase(), input, userActor(user)));
}

export async function revokeKnowledge(form: FormData): Promise<void> {
  const user = await requireAdmin();
  const input = { collection: String(form.get("collection") ?? ""), missionId: String(form.get("missionId") ?? "") };
  await collectionChange("revoked", async () => revokeCollection(await getDatabase(), input, userActor(user)));
}
