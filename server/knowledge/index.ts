import "server-only";

export { KnowledgeError } from "./errors";
export {
  allClauses,
  deleteDocument,
  getClause,
  getDocument,
  listDocuments,
  MAX_DOCUMENT_CHARS,
  uploadDocument,
  uploadDocumentInput,
  type KnowledgeClauseView,
  type KnowledgeDocumentSummary,
  type KnowledgeDocumentView,
  type KnowledgeWriteOptions,
  type UploadDocumentInput,
  type UploadResult,
} from "./documents";
export { exportClauses, knowledgeExportFile, startKnowledgeSync, KNOWLEDGE_CHANNEL, type KnowledgeExport } from "./export";
export { searchKnowledge, type KnowledgeHit } from "./search";
export { seedDemoKnowledge, DEMO_KNOWLEDGE_FILES } from "./demo";
