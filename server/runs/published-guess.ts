import "server-only";
import type { Database } from "@/server/db/database";

/**
 * The version of each mission this process last saw published, to start its next run without
 * reading the mission first. Only a guess: the statement that inserts the run checks it
 * (service.ts), so a publish, an archive or a restore made anywhere else since is never missed;
 * when the check fails, the start reads the mission as it would without a guess.
 */
export interface PublishedGuess {
  missionId: string;
  versionId: string;
  number: number;
}

/** Missions remembered per database; past this, the one whose guess was made longest ago is forgotten. */
const MAX_GUESSES = 1_000;

declare global {
  var __stewardPublishedGuesses: WeakMap<Database, Map<string, PublishedGuess>> | undefined;
}

function guessesOf(database: Database): Map<string, PublishedGuess> {
  const all = (globalThis.__stewardPublishedGuesses ??= new WeakMap());
  let guesses = all.get(database);
  if (!guesses) all.set(database, (guesses = new Map()));
  return guesses;
}

export function publishedGuess(database: Database, missionId: string): PublishedGuess | undefined {
  return guessesOf(database).get(missionId);
}

export function rememberPublished(database: Database, guess: PublishedGuess): void {
  const guesses = guessesOf(database);
  guesses.delete(guess.missionId);
  guesses.set(guess.missionId, guess);
  if (guesses.size > MAX_GUESSES) guesses.delete(guesses.keys().next().value as string);
}

export function forgetPublished(database: Database, missionId: string): void {
  guessesOf(database).delete(missionId);
}
