/** FFmpeg pipeline templates: loading, validation, selection and rendering (all pure but the loader). */
export * from './placeholders.js';
export * from './formats.js';
export * from './template.js';
export * from './catalog.js';
export * from './render.js';
export {
  DEFAULT_PUBLISH_TEMPLATES,
  HARDWARE_TEMPLATES,
  LOOP_ENCODE_TEMPLATE,
  TemplateSelectionError,
  defaultBitrateKbps,
  gopFor,
  jpegQscale,
  planPublish,
  planSnapshot,
  publishValues,
  rateValue,
  selectPublishTemplate,
  selectSnapshotTemplate,
  snapshotValues,
  templateAcceptsFourcc,
  type HardwareEncoder,
  type PublishContext,
  type PublishPlan,
  type SelectOptions,
  type SnapshotFormat,
  type SnapshotSource,
  type StreamSource,
  type TemplateChoice,
  type TemplateLookup,
  type V4l2Mode,
} from './select.js';
