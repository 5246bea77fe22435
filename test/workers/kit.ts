// The conformance kit (test/kit/) for Workers tests. Its files import node:assert, which the Workers
// type project does not know: load them through Vite (as cases.test.ts does) and type here only what
// the Workers tests call.
/// <reference types="vite/client" />
import type { RevocationStore } from "sealed-session";
import type { RegistryStore } from "sealed-session/registry";
import type { DataStore } from "sealed-session/store";
import type { Suite } from "../harness.ts";

export type StoreFactory = (now: () => number) => RevocationStore | Promise<RevocationStore>;
/** A store over a backend whose writes go through `faults.write` (see test/kit/revocation-store.ts). */
export type FaultyStoreFactory = (
  now: () => number,
  faults: { write<T>(call: () => Promise<T>): Promise<T> },
  options: { memoSize?: number; maxPending?: number; memoTtl?: number },
) => RevocationStore;

export type RegistryFactory = () => RegistryStore | Promise<RegistryStore>;
export type DataStoreFactory = () => DataStore | Promise<DataStore>;

interface Kit {
  dataStoreConformance: (
    t: Suite,
    factory: DataStoreFactory,
    label: string,
    capabilities?: { atomic?: boolean },
  ) => void;
  managerStore: (t: Suite, factory: DataStoreFactory, label: string) => void;
  registryConformance: (t: Suite, factory: RegistryFactory, label: string) => void;
  managerRegistry: (t: Suite, factory: RegistryFactory, label: string) => void;
  managerRefresh: (t: Suite, factory: RegistryFactory, label: string) => void;
  revocationConformance: (t: Suite, factory: StoreFactory, label: string) => void;
  managerRevocation: (t: Suite, factory: StoreFactory, label: string) => void;
  unconfirmedWrites: (t: Suite, factory: FaultyStoreFactory, label: string) => void;
  managerUnconfirmed: (t: Suite, factory: FaultyStoreFactory, label: string) => void;
}

const modules = Object.values(import.meta.glob<Partial<Kit>>("../kit/*.ts", { eager: true }));

function find<K extends keyof Kit>(name: K): Kit[K] {
  const found = modules.find((module) => module[name] !== undefined)?.[name];
  if (found === undefined) throw new Error(`the conformance kit has no ${name}`);
  return found as Kit[K];
}

export const revocationConformance = find("revocationConformance");
export const managerRevocation = find("managerRevocation");
export const unconfirmedWrites = find("unconfirmedWrites");
export const managerUnconfirmed = find("managerUnconfirmed");
export const registryConformance = find("registryConformance");
export const managerRegistry = find("managerRegistry");
export const managerRefresh = find("managerRefresh");
export const dataStoreConformance = find("dataStoreConformance");
export const managerStore = find("managerStore");
