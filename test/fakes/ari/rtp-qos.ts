// The RTPAUDIOQOS* channel variables chan_pjsip sets when a call's RTP session ends, in the
// exact textual layout of the recorded ulaw call (statistics other than counts are fixed).

/**
 * `rxCount`: packets Asterisk received from the caller; `txCount`: packets it sent to the
 * caller. Order and names as raised before the caller's ChannelHangupRequest.
 */
export function qosVariables(rxCount: number, txCount: number): Array<[string, string]> {
  const ssrc = randomSsrc();
  const themSsrc = randomSsrc();
  return [
    ['RTPAUDIOQOS', `ssrc=${ssrc};themssrc=${themSsrc};lp=0;rxjitter=0.000000;rxcount=${rxCount};txjitter=0.001750;txcount=${txCount};rlp=0;rtt=0.000000;rxmes=0.000000;txmes=88.087887`],
    ['RTPAUDIOQOSJITTER', 'minrxjitter=000.000125;maxrxjitter=000.002000;avgrxjitter=000.000713;stdevrxjitter=000.000501;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;'],
    ['RTPAUDIOQOSLOSS', '  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;'],
    ['RTPAUDIOQOSRTT', '     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;'],
    ['RTPAUDIOQOSMES', '   minrxmes=088.087887;   maxrxmes=088.087887;   avgrxmes=088.087887;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;'],
  ];
}

function randomSsrc(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
