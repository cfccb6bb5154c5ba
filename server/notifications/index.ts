import "server-only";

export { backoffMs, deliverDue, enqueueDecisionNotifications, DECISION_PENDING, DEFAULT_DELIVERY, type DecisionPendingBody, type DeliveryOptions, type DeliveryResult } from "./delivery";
export { createNotificationLoop, startNotificationLoop, stopNotificationLoop, type NotificationLoop, type NotificationLoopOptions } from "./loop";
export { LEGACY_SIGNATURE_HEADER, isLegacySecret, signatureHeaders, standardSecret } from "./sign";
export { createWebhook, createWebhookInput, deleteWebhook, getWebhook, listDeliveries, listWebhooks, setWebhookEnabled, type CreateWebhookInput, type DeliveryView, type WebhookView } from "./webhooks";
