/** A segmentation class as `segment.json` declares it. */
export interface ClassDef {
  /** The value written in masks, 0..254 (255 is the ignore index by default). */
  id: number;
  name: string;
  /** `#rrggbb` */
  color: string;
}

/** Pixels with this value are "not labelled": excluded from losses and metrics. */
export const DEFAULT_IGNORE_INDEX = 255;
