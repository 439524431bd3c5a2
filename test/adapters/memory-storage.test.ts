import { describe } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { storageContract } from '../contracts/storage.contract.ts';

describe('memory Storage', () => storageContract(async () => createMemoryStorage()));
