/**
 * Camera settings (extensions beyond the contract): V4L2 controls and the capture mode at run
 * time. Viewers read, operators change. The work is in src/cameras/settings/.
 */
import { CameraSettings, SettingsError, type Actor } from '../../cameras/settings/service.js';
import { t } from '../../lib/schema.js';
import { ErrorCode, RpcError, rpcErrors } from '../rpc/errors.js';
import { defineMethod, type CallContext, type MethodDef } from '../rpc/registry.js';

const deviceParam = t.string({ pattern: '^camera[0-9]+$', description: 'Camera id, e.g. camera0.' });
const controlValue = t.unknown({ description: 'integer, boolean, menu index or label, or string; int64 beyond ±2^53 as a decimal string' });

const controlSchema = t.object({
  name: t.string({ description: 'v4l2-ctl\'s id name, e.g. brightness, exposure_time_absolute' }),
  label: t.string(),
  type: t.enum(['int', 'bool', 'menu', 'intmenu', 'button', 'bitmask', 'int64', 'string'] as const),
  min: t.unknown({ description: 'number (string length for strings; int64 beyond ±2^53 as a decimal string), or null' }),
  max: t.unknown({ description: 'as min' }),
  step: t.unknown({ description: 'number or null' }),
  default: t.unknown({ description: 'the device default, or null' }),
  value: t.unknown({ description: 'the current value (booleans for bool controls), null for buttons' }),
  menu: t.array(t.object({ index: t.integer(), label: t.string() })),
  flags: t.array(t.string({ description: 'inactive, read-only, write-only, volatile, grabbed, update, slider, …' })),
  persisted: t.boolean({ description: 'a saved value exists (re-applied on re-plug and restart)' }),
});

const valuesSchema = t.record(controlValue, { description: 'control name → value read back from the device (null: not readable)' });

export function actorOf(ctx: CallContext): Actor {
  return { user: ctx.session.auth?.userId ?? 'unknown', role: ctx.session.auth?.role ?? 'unknown' };
}

/** Maps the settings module's errors to the contract's codes. */
export function toRpcError(err: unknown): unknown {
  if (!(err instanceof SettingsError)) return err;
  const x = err.extra;
  switch (err.kind) {
    case 'not_found':
      return rpcErrors.notFound('camera', err.message.replace(/^camera '(.*)' does not exist$/, '$1'));
    case 'invalid_state':
      return rpcErrors.invalidState(err.message, x.state ?? 'UNKNOWN', x.allowed ?? ['CONNECTED']);
    case 'invalid_params':
      return new RpcError(ErrorCode.InvalidParams, 'Invalid params', { reason: err.message, param: x.param ?? 'controls', rule: x.rule ?? 'controls', ...(x.details ? { details: x.details } : {}) });
    case 'device':
      return rpcErrors.dependency('device', err.message.replace(/:.*$/, ''), x.detail ?? err.message);
  }
}

const mapped = async <T>(p: () => Promise<T>): Promise<T> => {
  try {
    return await p();
  } catch (err) {
    throw toRpcError(err);
  }
};

export function settingsMethods(settings: CameraSettings): MethodDef[] {
  return [
    defineMethod({
      name: 'get_camera_controls',
      minRole: 'viewer',
      summary: 'Extension beyond the contract: every V4L2 control of a connected camera, read from the device now.',
      description:
        'Each control has `name` (v4l2-ctl\'s id name), `label`, `type`, `min`, `max`, `step`, `default`, `value`, `menu` items, `flags` and `persisted` ' +
        '(a saved value exists). Compound and array controls are left out. A test-pattern camera has no controls: an empty list. ' +
        'A disconnected camera answers -32020; a device that cannot be read -32050.',
      params: t.object({ device: deviceParam }),
      result: t.object({ device: t.string(), controls: t.array(controlSchema) }),
      errors: [ErrorCode.NotFound, ErrorCode.InvalidState, ErrorCode.DependencyFailed],
      handler: (p) => mapped(async () => ({ device: p.device, controls: await settings.controls(p.device) })),
    }),
    defineMethod({
      name: 'set_camera_controls',
      minRole: 'operator',
      summary: 'Extension beyond the contract: sets V4L2 controls, all or nothing; returns the values read back from the device.',
      description:
        'Every value is checked against the device\'s own range, step, menu items and flags before anything is written. When any value is unknown, of the wrong type, ' +
        'out of range, off the step, not a menu item, read-only or inactive, the whole request is refused with -32602 and `data.details` holding `{rule, reason}` per control; ' +
        'nothing is written. A manual control that is inactive because of its automatic mode is accepted when the same request switches the automatic one to manual ' +
        '(`auto_exposure` 1 before `exposure_time_absolute`, `focus_automatic_continuous` false before `focus_absolute`, `white_balance_automatic`, `gain_automatic`): ' +
        'the automatic one is written first when it enables the manual ones, last when it disables them. Menu controls take the index or the item label. ' +
        'With `persist: true` the values (and the current value of the automatic control governing a manual one) are saved for this physical camera and re-applied when it is ' +
        're-plugged, after a service restart, before each publisher start and once it runs; without it they are re-applied the same way until the service stops. ' +
        'Every change is published on `camera.settings_changed` and written to the log as an audit line. If the device refuses a write, the previous values are put back and the answer is -32050.',
      params: t.object({
        device: deviceParam,
        controls: t.record(controlValue, { description: 'control name → value' }),
        persist: t.optional(t.boolean({ description: 'save for this physical camera (default false)' })),
      }),
      result: t.object({ device: t.string(), controls: valuesSchema, persisted: t.boolean() }),
      errors: [ErrorCode.NotFound, ErrorCode.InvalidState, ErrorCode.DependencyFailed],
      handler: (p, ctx) =>
        mapped(async () => {
          const r = await settings.setControls(p.device, p.controls, p.persist ?? false, actorOf(ctx));
          return { device: p.device, controls: r.controls, persisted: r.persisted };
        }),
    }),
    defineMethod({
      name: 'reset_camera_controls',
      minRole: 'operator',
      summary: 'Extension beyond the contract: puts controls back to the device defaults and forgets their saved values.',
      description:
        'Without `names`, every writable control with a default; inactive, read-only, button and string controls are left as they are and listed in `skipped`. ' +
        'An unknown name is -32602 with `data.details`.',
      params: t.object({ device: deviceParam, names: t.optional(t.array(t.string({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 256, uniqueItems: true })) }),
      result: t.object({ device: t.string(), controls: valuesSchema, skipped: t.array(t.string()) }),
      errors: [ErrorCode.NotFound, ErrorCode.InvalidState, ErrorCode.DependencyFailed],
      handler: (p, ctx) =>
        mapped(async () => {
          const r = await settings.resetControls(p.device, p.names, actorOf(ctx));
          return { device: p.device, controls: r.controls, skipped: r.skipped };
        }),
    }),
    defineMethod({
      name: 'set_camera_mode',
      minRole: 'operator',
      summary: 'Extension beyond the contract: changes the capture mode (format, size, frame rate) at run time; the publisher restarts with it.',
      description:
        'Checked against the formats, sizes and frame rates the camera offers (`get_camera_capabilities`); without `format`, the best offered format with that size and rate. ' +
        'A test-pattern camera takes H264, even sizes of 16..3840 x 16..2160 and 1..60 fps. Readers see a short gap while the publisher restarts. ' +
        'While the camera records the change is refused with -32020 (state RECORDING): stop the recording first. `get_camera_status` shows the mode in use and its `source` ' +
        '(`operator` or `policy`). With `persist: true` the mode is saved for this physical camera and used whenever it connects; without it, until the service stops. ' +
        'A saved mode the camera no longer offers is dropped and reported on `camera.capability_error`.',
      params: t.object({
        device: deviceParam,
        format: t.optional(t.string({ pattern: '^[A-Za-z0-9 ]{1,4}$', description: 'fourcc, e.g. YUYV, MJPG, H264' })),
        width: t.integer({ minimum: 1, maximum: 16384 }),
        height: t.integer({ minimum: 1, maximum: 16384 }),
        fps: t.number({ minimum: 0.1, maximum: 1000 }),
        persist: t.optional(t.boolean({ description: 'save for this physical camera (default false)' })),
      }),
      result: t.object({
        device: t.string(),
        format: t.string(),
        width: t.integer(),
        height: t.integer(),
        fps: t.number(),
        source: t.enum(['operator'] as const),
        persisted: t.boolean(),
      }),
      errors: [ErrorCode.NotFound, ErrorCode.InvalidState],
      handler: (p, ctx) =>
        mapped(async () => {
          const r = await settings.setMode(p.device, { ...(p.format ? { format: p.format } : {}), width: p.width, height: p.height, fps: p.fps }, p.persist ?? false, actorOf(ctx));
          return { device: p.device, ...r };
        }),
    }),
    defineMethod({
      name: 'reset_camera_mode',
      minRole: 'operator',
      summary: 'Extension beyond the contract: drops the operator\'s capture mode (saved or not); the mode policy (or a test pattern\'s configured size) chooses again.',
      description: 'The publisher restarts when the mode changes. Refused while the camera records (-32020, state RECORDING). Returns the mode now in use.',
      params: t.object({ device: deviceParam }),
      result: t.object({ device: t.string(), format: t.string(), width: t.integer(), height: t.integer(), fps: t.number(), source: t.enum(['policy'] as const) }),
      errors: [ErrorCode.NotFound, ErrorCode.InvalidState],
      handler: (p, ctx) => mapped(async () => ({ device: p.device, ...(await settings.resetMode(p.device, actorOf(ctx))) })),
    }),
  ];
}
