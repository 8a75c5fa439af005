import { z } from 'zod';

export const requiredText = (label: string, max = 200) =>
  z.string().trim().min(1, `${label} is required.`).max(max, `${label} must be at most ${max} characters.`);

export const optionalText = (label: string, max = 2000) =>
  z.string().trim().max(max, `${label} must be at most ${max} characters.`).nullish();

/** A rule across the fields of an input object, reported on one of them. */
export function crossFieldRule<T>(check: (input: T) => boolean, issue: { message: string; path: string[] }) {
  return z.custom<T>().refine(check, issue);
}
