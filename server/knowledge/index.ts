import "server-only";

export { KnowledgeError } from "./errors";
export {
  allClauses,
  deleteDocument,
  fileInput,
  getClause,
  getDocument,
  listDocuments,
  MAX_DOCUMENT_CHARS,
  previewDocument,
  uploadDocument,
  uploadDocumentInput,
  type KnowledgeClauseView,
  type KnowledgeDocumentSummary,
  type KnowledgeDocumentView,
  type DocumentPreview,
  type UploadedFile,
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
export { MAX_FILE_BYTES, UPLOAD_FORMATS, type UploadFormat } from "./parse";
export { ensureKnowledgeConnector, KNOWLEDGE_CONNECTOR } from "./connector";
export { searchKnowledge, type KnowledgeHit } from "./search";
export { citationInContext, knowledgeClauseIds, type CitationInContext } from "./citations";
export { seedDemoKnowledge, DEMO_KNOWLEDGE_FILES } from "./demo";
export { searchKnowledgeHybrid, NO_EMBEDDING_MODEL_NOTICE, type HybridHit, type HybridResult, type SearchMode } from "./hybrid";
export { embeddingProgress, embedSoon, startEmbedding, stopEmbedding, type EmbeddingProgress } from "./embeddings/embedder";
