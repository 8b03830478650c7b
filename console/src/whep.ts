/**
 * WHEP (WebRTC-HTTP Egress Protocol) reader of a MediaMTX path: one POSTed SDP offer, with the
 * user's credentials as `Authorization: Bearer`, the answer applied, DELETE of the session on close.
 */
export class WhepReader {
  #pc: RTCPeerConnection | undefined;
  #session: string | undefined;
  #closed = false;

  constructor(readonly url: string, readonly token: string) {}

  /** Resolves with the remote stream once a track arrives; rejects on any failure within `timeoutMs`. */
  async start(timeoutMs = 10000): Promise<MediaStream> {
    const pc = (this.#pc = new RTCPeerConnection({ iceServers: [] }));
    pc.addTransceiver('video', { direction: 'recvonly' });
    const track = new Promise<MediaStream>((resolve, reject) => {
      pc.addEventListener('track', (ev) => resolve(ev.streams[0] ?? new MediaStream([ev.track])));
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'failed') reject(new Error('WebRTC connection failed'));
      });
    });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await gathered(pc, 2000);
    const res = await this.#offer(pc.localDescription!.sdp);
    if (res.status !== 201) throw new Error(`WHEP offer refused: HTTP ${res.status}`);
    const location = res.headers.get('location');
    if (location) this.#session = new URL(location, this.url).href;
    if (this.#closed) {
      // Closed while the offer was under way: end the session just made.
      this.#pc = pc;
      this.close();
      throw new Error('closed');
    }
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    let timer = 0;
    const timeout = new Promise<never>((_r, reject) => (timer = window.setTimeout(() => reject(new Error('no video from WebRTC in time')), timeoutMs)));
    try {
      return await Promise.race([track, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * POSTs the offer. A camera's `camera_status_update` CONNECTED can arrive a few milliseconds
   * before MediaMTX has its path (a known issue of the service), and MediaMTX answers an offer
   * for a path it does not have with 400: that answer is tried again for up to 3 s.
   */
  async #offer(sdp: string): Promise<Response> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${this.token}` }, body: sdp });
      if (res.status !== 400 || this.#closed || Date.now() > deadline) return res;
      await new Promise((r) => window.setTimeout(r, 200));
    }
  }

  /**
   * Ends the session: DELETE first (closing the peer connection first ends it on MediaMTX's side,
   * and the DELETE would find nothing). `gone`: the path is gone (camera removed), and the session with it.
   */
  close(gone = false): void {
    const pc = this.#pc;
    const session = this.#session;
    this.#pc = undefined;
    this.#session = undefined;
    this.#closed = true;
    if (!session || gone) return pc?.close();
    void fetch(session, { method: 'DELETE', headers: { authorization: `Bearer ${this.token}` } })
      .catch(() => undefined)
      .finally(() => pc?.close());
  }
}

function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = window.setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') (clearTimeout(timer), resolve());
    });
  });
}
