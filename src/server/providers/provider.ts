import type { ArtifactKind, BridgeSpan, ColorAssumption, Direction, FrameContext, JobMode, Money, ProviderInfo, TakeState, TakeVariant, TargetSize } from "../../core/schemas/index.js";

/**
 * Everything a provider needs to make one take. It is one serializable description of the
 * generation (Krita's lesson): the provider compiles it into its own request.
 */
export interface SubmitInput {
  jobId: string;
  takeId: string;
  takeIndex: number;
  mode: JobMode;
  model: string;
  duration: number;
  /** The direction to render: the job's, with the take variant's corrections already applied. */
  direction: Direction;
  /**
   * How this take differs (seed, wording, guards, path keyframes). Providers use what they can:
   * a seed where the API takes one, the wording and guards in prompt text, keyframes where taken.
   */
  variant?: TakeVariant;
  frame: FrameContext;
  /** Local path of the captured still. */
  framePath: string;
  /** Scratch directory for this take (local renders write here). */
  workDir: string;
  /**
   * Bridge takes: `framePath` is A's picture (the first frame), `endFramePath` B's (the last);
   * `duration` is then the length to generate, one the provider offers (capabilities.bridge).
   */
  bridge?: { span: BridgeSpan; endFramePath: string };
  /** Sound on or off where the model has the switch (ModelInfo.audio.switchable); absent: the model's default. */
  audio?: boolean;
  /**
   * Upscale takes: lift the finished take at `sourceVideoPath` (its conformed master) to `size`
   * (`width`×`height`); `mode` is then "final" and `model` one of capabilities.upscale.models.
   */
  upscale?: { sourceVideoPath: string; size: TargetSize; width: number; height: number };
  /**
   * A final asked at a size the provider renders natively (Enhance's `size`, the provider's final
   * limits or model listing it): render at this size. Absent: the provider's own final size.
   * Delivery conforms the master to it either way.
   */
  targetSize?: { size: TargetSize; width: number; height: number };
}

export interface SubmitResult {
  providerJobId: string;
  /** The request as sent, for the ledger (never containing secrets or inline media). */
  request: unknown;
}

export interface ProviderStatus {
  state: TakeState;
  progress: number;
  message: string;
  /** Raw provider failure code and message, kept as the provider said them. */
  failure?: { code: string; message: string; raw?: string };
}

export interface ProviderOutput {
  kind: ArtifactKind;
  path: string;
  mediaType: string;
  width?: number;
  height?: number;
  codec?: string;
  /** What the provider knows about this file that the take card should say (ComfyUI: "8-bit H.264, tagged Rec.709"). */
  notes?: string[];
  /** What the provider declares its file's color to be where the file itself does not say (Luma's EXR: ACES2065-1). */
  colorAssumption?: ColorAssumption;
  /** The file carries a sound track the provider made (Veo, Kling with audio); delivery must keep it. */
  hasAudio?: boolean;
}

/** The seam every generation backend sits behind (DESIGN.md "Provider interface"). */
export interface Provider {
  readonly id: string;
  info(): ProviderInfo;
  estimateCost(input: Pick<SubmitInput, "mode" | "model" | "duration"> & Partial<Pick<SubmitInput, "audio" | "upscale">>): Money;
  submit(input: SubmitInput): Promise<SubmitResult>;
  status(providerJobId: string): Promise<ProviderStatus>;
  cancel(providerJobId: string): Promise<void>;
  /** Brings the finished outputs into `destDir` (download for hosted providers). */
  fetchOutputs(providerJobId: string, destDir: string): Promise<ProviderOutput[]>;
  /** How often the director asks for status, in ms. */
  readonly pollIntervalMs: number;
  /**
   * Free local providers can simply run again after a backend restart; paid ones must instead
   * resume polling the job they already paid for.
   */
  readonly rerunAfterRestart: boolean;
}

export class ProviderRegistry {
  private readonly byId = new Map<string, Provider>();

  constructor(providers: Provider[]) {
    for (const p of providers) this.byId.set(p.id, p);
  }

  get(id: string): Provider | undefined {
    return this.byId.get(id);
  }

  list(): ProviderInfo[] {
    return [...this.byId.values()].map((p) => p.info());
  }
}
