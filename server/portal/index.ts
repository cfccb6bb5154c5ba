import "server-only";

export { PortalError } from "./errors";
export { clientAddress, installPeerAddressStamp, normaliseAddress, trustProxy, PEER_HEADER } from "./client-address";
export { seedDemoOrganisation, DEMO_ORGANISATION } from "./demo";
export { handleStatus, handleSubmission, type PortalHttpDeps } from "./http";
export { fieldLabel, portalProblems, type PortalProblem } from "./messages";
export {
  decodeLogo,
  getBranding,
  getLogo,
  getOrganisation,
  updateOrganisation,
  updateOrganisationInput,
  DEFAULT_ORGANISATION,
  LOGO_ROUTE,
  LOGO_TYPES,
  MAX_LOGO_BYTES,
  type Branding,
  type LogoType,
  type LogoView,
  type OrganisationView,
  type UpdateOrganisationInput,
} from "./organisation";
export { findPortal, listPortals, PORTAL_SLUG_PATTERN, type PortalDefinition } from "./portals";
export { PORTAL_RATE_RULE, rateKey, takeRateLimit, type RateDecision, type RateRule } from "./rate-limit";
export { getPortalStatus, formatAmount, type PortalOutcome, type PortalStage, type PortalStatusView, type PortalStep } from "./status";
export { countPortalAttempt, MAX_PORTAL_BODY_BYTES, referenceOf, submitPortalRequest, type PortalSubmission, type SubmitOptions, type SubmitResult } from "./submit";
export { submitPortalForm } from "./form-action";
export { checkPortalValues } from "./values";
export { hashStatusToken, newStatusToken, STATUS_TOKEN_PATTERN } from "./tokens";
