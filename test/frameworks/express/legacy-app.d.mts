export interface LegacyApp {
  readonly url: string;
  close(): Promise<void>;
}

export function startLegacyApp(options: { redisUrl: string; secret: string | string[] }): Promise<LegacyApp>;
