import { z } from 'zod';

const id = z.string().trim().min(1, 'required').max(255);

/** 5.3 sign-in body. */
export const SignInBody = z.object({ serialId: id, password: z.string().min(1, 'required').max(1024), tenantAlias: id });

/** 5.4 refresh body. */
export const RefreshTokenBody = z.object({ refreshToken: z.string().min(1, 'required').max(4096), tenantAlias: id });
