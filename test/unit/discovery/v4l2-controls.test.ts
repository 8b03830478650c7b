import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseListCtrls, type V4l2Control } from '../../../src/discovery/v4l2-controls.js';
import { fixture, nodeDirs } from './fixture-tree.js';

const byName = (ctrls: V4l2Control[], name: string): V4l2Control => {
  const c = ctrls.find((x) => x.name === name);
  assert.ok(c, `control ${name} not parsed`);
  return c;
};

describe('parseListCtrls on every fixture', () => {
  const dirs = nodeDirs().filter((d) => d.has('list-ctrls.txt'));
  it('finds control fixtures (vivid and UVC)', () => {
    assert.ok(dirs.some((d) => d.name.startsWith('vivid/')));
    assert.ok(dirs.filter((d) => d.name.startsWith('uvc/')).length >= 2);
  });
  for (const dir of dirs) {
    it(`${dir.name}: one control per control line, sane ranges`, () => {
      const text = dir.read('list-ctrls.txt');
      const ctrls = parseListCtrls(text);
      const lines = text.split('\n').filter((l) => /^\s*[a-z0-9_]+\s+(0x[0-9a-f]+\s+)?\([a-z0-9]+\)\s*:/.test(l)).length;
      assert.equal(ctrls.length, lines);
      const names = new Set<string>();
      for (const c of ctrls) {
        assert.ok(!names.has(c.name), `duplicate ${c.name}`);
        names.add(c.name);
        if (c.id !== null) assert.ok(c.id > 0x00980000, `${c.name} id 0x${c.id.toString(16)}`);
        if (c.type === 'int' && typeof c.value === 'number' && c.min !== null && c.max !== null && !c.flags.includes('inactive')) {
          assert.ok(c.min <= c.max && c.value >= c.min && c.value <= c.max, `${c.name}: ${c.min} <= ${c.value} <= ${c.max}`);
        }
        for (const item of c.menu) assert.ok(c.min === null || c.max === null || (item.index >= c.min && item.index <= c.max), `${c.name} item ${item.index}`);
      }
    });
  }
});

describe('parseListCtrls specifics', () => {
  it('Logitech C920 (from --all, with menus): classes, labels, flags, menus', () => {
    const ctrls = parseListCtrls(fixture('uvc/logitech-c920').read('list-ctrls.txt'));
    assert.equal(ctrls.length, 17);
    const plf = byName(ctrls, 'power_line_frequency');
    assert.equal(plf.id, 0x00980918);
    assert.equal(plf.type, 'menu');
    assert.equal(plf.controlClass, 'User Controls');
    assert.deepEqual([plf.min, plf.max, plf.default, plf.value, plf.valueLabel], [0, 2, 2, 2, '60 Hz']);
    assert.deepEqual(plf.menu, [{ index: 0, label: 'Disabled' }, { index: 1, label: '50 Hz' }, { index: 2, label: '60 Hz' }]);
    const exp = byName(ctrls, 'exposure_time_absolute');
    assert.equal(exp.controlClass, 'Camera Controls');
    assert.deepEqual([exp.min, exp.max, exp.step, exp.default, exp.value], [3, 2047, 1, 250, 333]);
    assert.deepEqual(exp.flags, ['inactive']);
    const pan = byName(ctrls, 'pan_absolute');
    assert.deepEqual([pan.min, pan.max, pan.step], [-36000, 36000, 3600]);
    const wb = byName(ctrls, 'white_balance_automatic');
    assert.deepEqual([wb.type, wb.min, wb.default, wb.value], ['bool', null, 1, 0]);
    assert.deepEqual(byName(ctrls, 'auto_exposure').menu.map((m) => m.index), [1, 3]);
  });

  it('vivid: every control type v4l2-ctl prints', () => {
    const ctrls = parseListCtrls(fixture('vivid/vivid-000-video-capture').read('list-ctrls.txt'));
    const gain = byName(ctrls, 'gain');
    assert.deepEqual(gain.flags, ['inactive', 'volatile']);
    const button = byName(ctrls, 'button');
    assert.deepEqual([button.type, button.value, button.flags], ['button', 0, ['write-only', 'execute-on-write']]);
    const str = byName(ctrls, 'string');
    assert.deepEqual([str.type, str.value, str.min, str.max], ['str', '  ', 2, 4]);
    const bitmask = byName(ctrls, 'bitmask');
    assert.deepEqual([bitmask.type, bitmask.max, bitmask.default], ['bitmask', 0x80402010, 0x80002000]);
    const intmenu = byName(ctrls, 'integer_menu');
    assert.deepEqual([intmenu.type, intmenu.value, intmenu.valueLabel], ['intmenu', 4, '5 0x5']);
    assert.equal(byName(ctrls, 'integer_64_bits').type, 'int64');
    assert.equal(byName(ctrls, 'area').value, '1000x2000');
    assert.deepEqual(byName(ctrls, 'u32_dynamic_array').flags, ['has-payload', '0x00000800']);
    assert.equal(byName(ctrls, 'test_pattern').controlClass, 'Vivid Controls');
    assert.equal(byName(ctrls, 'power_present').controlClass, 'Digital Video Controls');
  });

  it('old v4l2-ctl layout without ids, and a firmware menu item without a name', () => {
    const text = [
      '                     brightness (int)    : min=30 max=255 step=1 default=133 value=133',
      ' white_balance_temperature_auto (bool)   : default=1 value=1',
      '                      led1_mode 0x0a046d05 (menu)   : min=4 max=4 default=0 value=0',
      '\t\t\t\t4: ',
      '                 led1_frequency 0x0a046d06 (int)    : min=0 max=255 step=1 default=0 value=255',
    ].join('\n');
    const ctrls = parseListCtrls(text);
    assert.deepEqual(ctrls.map((c) => [c.name, c.id, c.type]), [
      ['brightness', null, 'int'],
      ['white_balance_temperature_auto', null, 'bool'],
      ['led1_mode', 0x0a046d05, 'menu'],
      ['led1_frequency', 0x0a046d06, 'int'],
    ]);
    assert.deepEqual(byName(ctrls, 'led1_mode').menu, [{ index: 4, label: '' }]);
    assert.equal(byName(ctrls, 'brightness').controlClass, null);
  });
});
