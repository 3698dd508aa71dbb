// The address table of the source guard: every range, IPv6 forms carrying IPv4, and the odd IPv4
// spellings (decimal, octal, hex, short forms) after WHATWG normalisation of a URL's host.
import { describe, expect, it } from 'vitest';
import { classifyAddress, parseAllowList, type AddressCategory } from '../index.ts';
import { ffmpegHost, sourceHost } from '../src/guard/host.ts';
import { parseSource } from '../index.ts';

const TABLE: ReadonlyArray<readonly [string, AddressCategory]> = [
  // IPv4
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['255.255.255.255', 'broadcast'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.1', 'public'],
  ['192.168.1.20', 'private'],
  ['100.64.0.1', 'cgnat'],
  ['100.100.100.200', 'cgnat'], // Alibaba Cloud metadata
  ['100.128.0.1', 'public'],
  ['169.254.169.254', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.0.192', 'reserved'], // Oracle Cloud metadata
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['203.0.113.7', 'reserved'],
  ['8.8.8.8', 'public'],
  ['93.184.216.34', 'public'],
  // IPv6
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['febf::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'multicast'],
  ['fc00::1', 'ula'],
  ['fd00:ec2::254', 'ula'], // AWS IPv6 metadata
  ['fec0::1', 'private'],
  ['2001:db8::1', 'reserved'],
  ['2606:4700:4700::1111', 'public'],
  ['[2001:4860:4860::8888]', 'public'],
  // IPv6 carrying IPv4: judged by the IPv4 address
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:a9fe:a9fe', 'link-local'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['64:ff9b::a9fe:a9fe', 'link-local'], // NAT64 well-known prefix
  ['64:ff9b::169.254.169.254', 'link-local'],
  ['64:ff9b::808:808', 'public'],
  ['64:ff9b:1::1', 'private'],
  ['::169.254.169.254', 'link-local'], // IPv4-compatible (deprecated)
  ['::2', 'unspecified'], // ::0.0.0.2
  ['2002:a9fe:a9fe::1', 'link-local'], // 6to4
  ['2002:0808:0808::1', 'public'],
];

describe('classifyAddress', () => {
  it.each(TABLE)('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it('returns null for anything that is not an IP literal', () => {
    for (const s of ['example.com', '', '1.2.3', '0x7f.1', '2852039166', '::g', '1.2.3.4.5'])
      expect(classifyAddress(s)).toBeNull();
  });
});

describe('URL hosts are normalised before classification', () => {
  const metadata: ReadonlyArray<string> = [
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0xA9FEA9FE/',
    'http://0251.0376.0251.0376/',
    'http://169.254.43518/',
    'http://169.16689662/',
    'http://169.254.169.254./',
    'https://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]:80/',
    'http://[64:ff9b::a9fe:a9fe]/',
    // rtsp/rtmp/srt hosts are opaque to WHATWG; inet_aton (ffmpeg's resolver) reads them as numbers.
    'rtsp://2852039166/x',
    'rtsp://0xa9.0xfe.0xa9.0xfe:554/x',
    'rtmp://0251.0376.0251.0376/live/key',
    'srt://169.254.43518:9000',
    'rtsp://user:secret@169.254.169.254/x',
    'rtsps://[::ffff:169.254.169.254]:322/x',
  ];
  it.each(metadata)('%s resolves to link-local', (url) => {
    expect(classifyAddress(sourceHost(parseSource(url)))).toBe('link-local');
  });

  it('normalises short loopback spellings', () => {
    expect(sourceHost(parseSource('http://127.1/'))).toBe('127.0.0.1');
    expect(sourceHost(parseSource('rtsp://0x7f.1:554/x'))).toBe('127.0.0.1');
    expect(sourceHost(parseSource('http://0/'))).toBe('0.0.0.0');
    expect(sourceHost(parseSource('http://[::]/'))).toBe('::');
    expect(sourceHost(parseSource('rtsp://CAMERA.Example:554/x'))).toBe('camera.example');
  });

  it('reads the host where ffmpeg does: after the last @ and before the first of /?#', () => {
    expect(ffmpegHost('rtsp://u:p@h.example:554/x')).toBe('h.example');
    expect(ffmpegHost('rtsp://u@x:p@h.example/x')).toBe('h.example');
    expect(ffmpegHost('http://[::1]:8080/x')).toBe('[::1]');
    expect(ffmpegHost('http://h.example?a@b')).toBe('h.example');
    expect(ffmpegHost('http://public.example\\@169.254.169.254/')).toBe('169.254.169.254');
  });

  it('refuses hosts that WHATWG and ffmpeg would read differently', () => {
    for (const url of [
      'http://public.example\\@169.254.169.254/', // WHATWG: public.example; ffmpeg: the metadata IP
      'http://%31%36%39.254.169.254/', // percent-escapes: ffmpeg would look the raw name up
      'rtsp://a%2eb.example/x',
      'http://bücher.example/x', // IDNA: we would resolve punycode, ffmpeg the UTF-8 bytes
    ]) {
      expect(() => sourceHost(parseSource(url)), url).toThrow(
        expect.objectContaining({ code: 'INGEST_SOURCE_BLOCKED' }),
      );
    }
  });
});

describe('parseAllowList', () => {
  it('matches CIDRs and single addresses, IPv4 entries also in IPv6 spellings', () => {
    const allow = parseAllowList(['169.254.169.254', '10.0.0.0/8', 'fd00::/8', ' ']);
    expect(allow.has('169.254.169.254')).toBe(true);
    expect(allow.has('::ffff:169.254.169.254')).toBe(true);
    expect(allow.has('169.254.169.253')).toBe(false);
    expect(allow.has('10.200.3.4')).toBe(true);
    expect(allow.has('11.0.0.1')).toBe(false);
    expect(allow.has('fd12::1')).toBe(true);
    expect(allow.has('fe80::1')).toBe(false);
  });

  it('rejects malformed entries', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '1.2.3.4/x', '::/129', '1.2.3.4/8/1'])
      expect(() => parseAllowList([bad]), bad).toThrow(/not an IP address or CIDR/);
  });
});
