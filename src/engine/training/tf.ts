/**
 * The TensorFlow.js namespace that training uses. It is the bundled tfjs-core (wasm backend) unless
 * an installed tfjs-node / tfjs-node-gpu is chosen: those register their native backend in their
 * own copy of tfjs, so every op must then go through their namespace. `backend.ts` sets it.
 */
import * as tfcore from '@tensorflow/tfjs-core';

export type Tf = typeof tfcore;
// tfjs-core's Node build registers no gradients (the @tensorflow/tfjs package does); the registry is
// global, shared by every copy of tfjs-core in the process.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

// eslint-disable-next-line import/no-mutable-exports
export let tf: Tf = tfcore;

export function useTf(namespace: Tf): void {
  tf = namespace;
}
