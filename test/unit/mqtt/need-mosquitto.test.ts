/** The MQTT tests' broker requirement: skipped without mosquitto, but a failure naming it under CI=true. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needMosquitto } from '../../helpers/mosquitto.js';

describe('needMosquitto', () => {
  const missing = { CAMERA_SERVICE_MOSQUITTO: '/nonexistent/mosquitto' };

  it('under CI=true a missing mosquitto fails the test, naming the package', () => {
    let skipped = false;
    assert.throws(() => needMosquitto({ skip: () => void (skipped = true) }, { ...missing, CI: 'true' }), /mosquitto is not installed/);
    assert.equal(skipped, false);
  });

  it('outside CI it skips with the reason', () => {
    let reason: string | undefined;
    assert.equal(needMosquitto({ skip: (r?: string) => void (reason = r) }, missing), undefined);
    assert.match(reason ?? '', /mosquitto is not installed/);
  });
});
