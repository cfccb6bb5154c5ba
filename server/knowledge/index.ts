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
  type UploadDocumentInput,
  type UploadResult,
} from "./documents";
export {
  accessForRun,
  ALL_MISSIONS,
  createCollection,
  createCollectionInput,
  DEFAULT_COLLECTION_ID,
  grantCollection,
  grantInput,
  listCollections,
  revokeCollection,
  type KnowledgeCollection,
} from "./collections";
export { ensureKnowledgeConnector, KNOWLEDGE_CONNECTOR } from "./connector";
export { searchKnowledge, type KnowledgeHit } from "./search";
export { seedDemoKnowledge, DEMO_KNOWLEDGE_FILES } from "./demo";
