/** `segment convert` and the extension's Export / Import dataset commands: what they take and give. */

export type ExportFormat = 'coco' | 'voc' | 'yolo';
export type ImportFormat = 'coco' | 'voc' | 'yolo' | 'labelme';

export interface ExportParams {
  /** Dataset root. */
  root: string;
  format: ExportFormat;
  /** Output folder: created if missing; must be empty unless `force`. */
  out: string;
  /** COCO only: compressed RLE (exact, the default) or polygons. */
  segmentation?: 'rle' | 'polygon';
  /** Polygon simplification in pixels (COCO polygons, YOLO); 0 keeps every corner (exact). */
  tolerance?: number;
  /** Replace what the output folder already holds. */
  force?: boolean;
}

export interface ExportResult {
  out: string;
  format: ExportFormat;
  /** Labelled images exported. */
  images: number;
  /** Objects written (COCO annotations, YOLO lines, VOC instance ids). */
  objects: number;
  /** Images left out (no mask, unreadable mask), with the reason. */
  skipped: { path: string; reason: string }[];
  /** What the format cannot hold and was dropped, e.g. ignore pixels in YOLO. */
  notes: string[];
}

export interface ImportParams {
  /** COCO: an annotations .json or a folder with annotations/*.json; the others: the dataset folder. */
  source: string;
  format: ImportFormat;
  /** New dataset root in Segment Studio's convention; must be empty unless `force`. */
  out: string;
  force?: boolean;
}

export interface ImportResult {
  out: string;
  format: ImportFormat;
  images: number;
  objects: number;
  classes: { id: number; name: string }[];
  notes: string[];
}

/**
 * The default polygon tolerance, in pixels. Below half a pixel no pixel centre can change side, so
 * the default keeps masks exact while dropping the corners of straight runs and shallow stairs.
 */
export const DEFAULT_POLYGON_TOLERANCE = 0.5;
