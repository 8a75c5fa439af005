import { z } from 'zod';

export const requiredText = (label: string, max = 200) =>
  z.string().trim().min(1, `${label} is required.`).max(max, `${label} must be at most ${max} characters.`);

export const optionalText = (label: string, max = 2000) =>
  z.string().trim().max(max, `${label} must be at most ${max} characters.`).nullish();
