import { Prisma } from '../generated/prisma/client';

/** A unique constraint refused a row (Prisma P2002): a concurrent writer inserted the same key first. */
export const isUniqueViolation = (err: unknown): boolean => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
