// Shared by the server's policy (server/auth/password-policy.ts) and the forms that set a password.
export const MIN_PASSWORD_LENGTH = 12;

export const PASSWORD_HINT = `At least ${MIN_PASSWORD_LENGTH} characters. Not a common password, and not the name part of the email.`;
