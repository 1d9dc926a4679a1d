/** A segmentation class as `segment.json` declares it. */
export interface ClassDef {
  /** The value written in masks, 0..254 (255 is the ignore index by default). */
  id: number;
  name: string;
  /** `#rrggbb` */
  color: string;
  /**
   * A countable object class ("thing": cells, nuclei) whose pixels split into instances, as opposed
   * to "stuff" (background, tissue). See `thingClassIds`.
   */
  thing?: boolean;
}

/**
 * Ids of the "thing" classes: those marked `"thing": true`; when no class says either way, every
 * class but 0 (the background by convention).
 */
export function thingClassIds(classes: readonly ClassDef[]): Set<number> {
  const marked = classes.some((c) => c.thing !== undefined);
  return new Set(classes.filter((c) => (marked ? c.thing === true : c.id !== 0)).map((c) => c.id));
}

/** Pixels with this value are "not labelled": excluded from losses and metrics. */
export const DEFAULT_IGNORE_INDEX = 255;
