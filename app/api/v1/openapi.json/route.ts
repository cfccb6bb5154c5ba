import { connection } from "next/server";
import { openApiDocument } from "@/server/rest/openapi";
import { appUrl } from "@/server/env";

export async function GET() {
  await connection();
  return Response.json(openApiDocument(appUrl()));
}
