// Camera settings, pure parts: controls parsed from recorded vivid/UVC fixtures, their API
// view, validation (ranges, step, menus, flags, types), dependent pairs, all-or-nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controlView, defaultsRequest, governingValues, labelOf, planControlWrites, type ControlView } from '../../../src/cameras/settings/controls.js';
import { parseListCtrls, type V4l2Control } from '../../../src/discovery/v4l2-controls.js';
import { fixture } from '../discovery/fixture-tree.js';

const vivid = () => parseListCtrls(fixture('vivid/vivid-000-video-capture').read('list-ctrls-menus.txt'));
const c920 = () => parseListCtrls(fixture('uvc/logitech-c920').read('list-ctrls.txt'));
const view = (list: V4l2Control[], name: string): ControlView => {
  const c = list.find((x) => x.name === name);
  assert.ok(c, `no control ${name}`);
  const v = controlView(c, false);
  assert.ok(v, `${name} has no view`);
  return v;
};
const details = (plan: ReturnType<typeof planControlWrites>) => {
  assert.equal(plan.ok, false, 'the request should be refused');
  return plan.ok ? {} : plan.details;
};
const batches = (plan: ReturnType<typeof planControlWrites>) => {
  assert.ok(plan.ok, `refused: ${JSON.stringify(plan.ok ? {} : plan.details)}`);
  return plan.ok ? plan.batches.map((b) => b.map((w) => `${w.name}=${w.text}`)) : [];
};

describe('vivid --list-ctrls-menus fixture (recorded in the VM lane)', () => {
  it('parses menus with gaps and integer menus', () => {
    const list = vivid();
    assert.deepEqual(view(list, 'menu').menu, [{ index: 1, label: 'Menu Item 1' }, { index: 3, label: 'Menu Item 3' }, { index: 4, label: 'Menu Item 4' }]);
    const im = view(list, 'integer_menu');
    assert.equal(im.type, 'intmenu');
    assert.deepEqual(im.menu[0], { index: 2, label: '2 (0x2)' }, 'item 1 is skipped by the driver');
    assert.equal(im.value, 4);
  });

  it('the API view: types, booleans, flags, bitmask unsigned, 64-bit exact, buttons without value', () => {
    const list = vivid();
    assert.deepEqual(
      { ...view(list, 'brightness'), flags: view(list, 'brightness').flags },
      { name: 'brightness', label: 'Brightness', type: 'int', min: 0, max: 255, step: 1, default: 128, value: 128, menu: [], flags: ['slider'], persisted: false },
    );
    assert.deepEqual([view(list, 'gain_automatic').type, view(list, 'gain_automatic').value, view(list, 'gain_automatic').default], ['bool', true, true]);
    assert.deepEqual(view(list, 'gain').flags, ['inactive', 'volatile']);
    assert.deepEqual(view(list, 'read_only_integer_32_bits').flags, ['read-only']);
    const bm = view(list, 'bitmask');
    assert.deepEqual([bm.max, bm.default, bm.value], [0x80402010, 0x80002000, 0x80002000], 'v4l2-ctl prints the bitmask value signed');
    const i64 = view(list, 'integer_64_bits');
    assert.deepEqual([i64.type, i64.min, i64.max, i64.value], ['int64', '-9223372036854775808', '9223372036854775807', 0]);
    const button = view(list, 'button');
    assert.deepEqual([button.type, button.value, button.flags], ['button', null, ['write-only', 'execute-on-write']]);
    const str = view(list, 'string');
    assert.deepEqual([str.type, str.value, str.min, str.max], ['string', '  ', 2, 4]);
  });

  it('leaves out array and compound controls', () => {
    const list = vivid();
    const views = list.map((c) => controlView(c, false)).filter(Boolean) as ControlView[];
    for (const gone of ['u32_1_element_array', 'u16_8x16_matrix', 'area', 'u8_pixel_array']) assert.ok(!views.some((v) => v.name === gone), gone);
    assert.ok(views.length > 60, `${views.length} controls`);
    assert.deepEqual(new Set(views.map((v) => v.type)), new Set(['int', 'bool', 'menu', 'intmenu', 'button', 'bitmask', 'int64', 'string']));
  });

  it('--all output gives the same controls as --list-ctrls-menus', () => {
    const all = parseListCtrls(fixture('vivid/vivid-000-video-capture').read('all.txt'));
    assert.deepEqual(all.map((c) => c.name), vivid().map((c) => c.name));
  });

  it('labels from ids', () => assert.equal(labelOf('exposure_time_absolute'), 'Exposure Time Absolute'));
});

describe('validation against the device\'s own ranges, step, menus and flags', () => {
  it('accepts good values of every settable type, in one batch', () => {
    const plan = planControlWrites(vivid(), {
      brightness: 200, contrast: 0, mute: true, boolean: 0, menu: 4, integer_menu: 2,
      bitmask: 0x80000010, integer_64_bits: '9007199254740993', string: 'abc', test_pattern: '100% Colorbar',
    });
    const b = batches(plan);
    assert.equal(b.length, 1);
    assert.deepEqual(b[0], [
      'brightness=200', 'contrast=0', 'mute=1', 'boolean=0', 'menu=4', 'integer_menu=2', 'bitmask=0x80000010', 'integer_64_bits=9007199254740993', 'string=abc', 'test_pattern=1',
    ]);
  });

  it('refuses the whole request with one entry per bad control; nothing is planned', () => {
    const d = details(planControlWrites(vivid(), {
      brightness: 256, hue: -129, contrast: 100, saturation: 1.5, menu: 2, integer_menu: 9, test_pattern: 'No Such Pattern',
      read_only_integer_32_bits: 1, gain: 10, button: true, u32_1_element_array: 1, nope: 1, mute: 'yes', bitmask: 0x1, string: 'a,b',
      integer_64_bits: 2 ** 60,
    }));
    assert.deepEqual(Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.rule])), {
      brightness: 'maximum', hue: 'minimum', saturation: 'type', menu: 'menu', integer_menu: 'maximum', test_pattern: 'menu',
      read_only_integer_32_bits: 'read-only', gain: 'inactive', button: 'unsupported', u32_1_element_array: 'unsupported', nope: 'unknown',
      mute: 'type', bitmask: 'maximum', string: 'charset', integer_64_bits: 'type',
    });
    assert.ok(!('contrast' in d), 'a good value is not listed');
    assert.match(d.gain!.reason, /set gain_automatic to manual in the same request/);
    assert.match(d.menu!.reason, /1 \(Menu Item 1\), 3 \(Menu Item 3\), 4 \(Menu Item 4\)/);
  });

  it('step: pan_absolute of the C920 moves in steps of 3600', () => {
    assert.equal(details(planControlWrites(c920(), { pan_absolute: 100 })).pan_absolute!.rule, 'step');
    assert.deepEqual(batches(planControlWrites(c920(), { pan_absolute: 7200 })), [['pan_absolute=7200']]);
  });

  it('string length limits', () => {
    assert.equal(details(planControlWrites(vivid(), { string: 'a' })).string!.rule, 'length');
    assert.equal(details(planControlWrites(vivid(), { string: 'abcde' })).string!.rule, 'length');
  });

  it('int64 limits with exact 64-bit bounds', () => {
    assert.deepEqual(batches(planControlWrites(vivid(), { integer_64_bits: '-9223372036854775808' })), [['integer_64_bits=-9223372036854775808']]);
    assert.equal(details(planControlWrites(vivid(), { integer_64_bits: '9223372036854775808' })).integer_64_bits!.rule, 'maximum');
  });
});

describe('dependent pairs', () => {
  it('vivid: gain (inactive under gain_automatic) is accepted with gain_automatic off in the same request, auto first', () => {
    assert.deepEqual(batches(planControlWrites(vivid(), { gain: 50, gain_automatic: false })), [['gain_automatic=0'], ['gain=50']]);
  });

  it('C920: auto_exposure manual before exposure_time_absolute; focus_automatic_continuous off before focus_absolute', () => {
    assert.deepEqual(
      batches(planControlWrites(c920(), { exposure_time_absolute: 100, focus_absolute: 50, auto_exposure: 1, focus_automatic_continuous: false, brightness: 10 })),
      [['auto_exposure=1', 'focus_automatic_continuous=0', 'brightness=10'], ['exposure_time_absolute=100', 'focus_absolute=50']],
    );
    assert.equal(details(planControlWrites(c920(), { exposure_time_absolute: 100, auto_exposure: 3 })).exposure_time_absolute!.rule, 'inactive', 'aperture priority keeps exposure inactive');
    assert.equal(details(planControlWrites(c920(), { auto_exposure: 2 })).auto_exposure!.rule, 'menu', 'the C920 has no shutter priority item');
  });

  it('an automatic mode switched on goes last, after the manual value it makes inactive', () => {
    const manual = vivid().map((c) => (c.name === 'gain_automatic' ? { ...c, value: 0 } : c.name === 'gain' ? { ...c, flags: ['volatile'] } : c));
    assert.deepEqual(batches(planControlWrites(manual, { gain_automatic: true, gain: 10 })), [['gain=10'], ['gain_automatic=1']]);
  });

  it('persistence policy: a manual value is saved with its automatic control\'s current value', () => {
    const after = vivid().map((c) => (c.name === 'gain_automatic' ? { ...c, value: 0 } : c));
    assert.deepEqual(governingValues(after, ['gain', 'brightness']), { gain_automatic: false });
    assert.deepEqual(governingValues(after, ['gain', 'gain_automatic']), {}, 'already in the request');
  });
});

describe('defaults', () => {
  it('every writable active control with a default; inactive, read-only, buttons and strings skipped', () => {
    const { request, skipped } = defaultsRequest(vivid());
    assert.equal(request.brightness, 128);
    assert.equal(request.gain_automatic, true);
    assert.equal(request.bitmask, 0x80002000);
    assert.equal(request.integer_64_bits, 0);
    for (const s of ['gain', 'read_only_integer_32_bits', 'button', 'string', 'dv_timings', 'power_present', 'area']) assert.ok(skipped.includes(s), s);
    assert.ok(planControlWrites(vivid(), request).ok, 'the defaults pass validation');
  });

  it('by name', () => {
    assert.deepEqual(defaultsRequest(vivid(), ['brightness', 'gain']), { request: { brightness: 128 }, skipped: ['gain'] });
  });
});
