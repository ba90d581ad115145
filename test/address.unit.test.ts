import { describe, expect, it } from "vitest";
import { checkPublicUrl, hostKind, parseIPv4, parseIPv6 } from "../domain/address.ts";

const RULE = { allowedHosts: ["committees.parliament.uk", "publications.parliament.uk"] };
const refused = (url: string, policy = {}) => {
  const result = checkPublicUrl(url, policy);
  return result.ok ? null : result.reason;
};

describe("parseIPv4", () => {
  it("reads every notation the URL standard accepts", () => {
    const loopback = 0x7f000001;
    for (const host of [
      "127.0.0.1",
      "2130706433",
      "0x7f000001",
      "0x7f.0.0.1",
      "0177.0.0.1",
      "0177.0.0.01",
      "127.1",
      "127.0.1",
      "0x7F.1",
    ])
      expect(parseIPv4(host), host).toBe(loopback);
    expect(parseIPv4("169.254.169.254")).toBe(0xa9fea9fe);
    expect(parseIPv4("0")).toBe(0);
  });
  it("is null for names and out-of-range numbers", () => {
    for (const host of ["www.gov.uk", "256.0.0.1", "1.2.3.4.5", "4294967296", "08.1.1.1", "1..1", ""])
      expect(parseIPv4(host), host).toBeNull();
  });
});

describe("parseIPv6", () => {
  it("reads compressed, full, bracketed and IPv4-tailed forms", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("[::1]")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("0:0:0:0:0:0:0:1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("2a00:1450::200e")).toEqual([0x2a00, 0x1450, 0, 0, 0, 0, 0, 0x200e]);
  });
  it("is null for what is not an address", () => {
    for (const host of ["www.gov.uk", "1::2::3", "12345::", "::1%eth0", "1:2:3:4:5:6:7:8:9", "127.0.0.1"])
      expect(parseIPv6(host), host).toBeNull();
  });
});

describe("hostKind", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["localhost", "loopback"],
    ["LOCALHOST.", "loopback"],
    ["api.localhost", "loopback"],
    ["[::1]", "loopback"],
    ["[::ffff:7f00:1]", "loopback"],
    ["0.0.0.0", "non-public-ip"],
    ["10.1.2.3", "non-public-ip"],
    ["100.64.0.1", "non-public-ip"],
    ["100.127.255.255", "non-public-ip"],
    ["169.254.169.254", "non-public-ip"],
    ["172.16.0.1", "non-public-ip"],
    ["172.31.255.255", "non-public-ip"],
    ["192.168.1.1", "non-public-ip"],
    ["192.0.0.170", "non-public-ip"],
    ["198.18.0.1", "non-public-ip"],
    ["224.0.0.1", "non-public-ip"],
    ["239.255.255.250", "non-public-ip"],
    ["255.255.255.255", "non-public-ip"],
    ["[::]", "non-public-ip"],
    ["[::ffff:a9fe:a9fe]", "non-public-ip"],
    ["[::ffff:10.0.0.1]", "non-public-ip"],
    ["[::a9fe:a9fe]", "non-public-ip"],
    ["[64:ff9b::a9fe:a9fe]", "non-public-ip"],
    ["[2002:a9fe:a9fe::]", "non-public-ip"],
    ["[fc00::1]", "non-public-ip"],
    ["[fd12:3456::1]", "non-public-ip"],
    ["[fe80::1]", "non-public-ip"],
    ["[fec0::1]", "non-public-ip"],
    ["[ff02::1]", "non-public-ip"],
    ["[2001:db8::1]", "non-public-ip"],
    ["[2001::1]", "non-public-ip"],
    ["[100::1]", "non-public-ip"],
    ["metadata", "local-name"],
    ["metadata.google.internal", "local-name"],
    ["printer.local", "local-name"],
    ["router.home.arpa", "local-name"],
    ["8.8.8.8", "public-ip"],
    ["172.32.0.1", "public-ip"],
    ["100.128.0.1", "public-ip"],
    ["[2a00:1450:4009::200e]", "public-ip"],
    ["[::ffff:808:808]", "public-ip"],
    ["[2002:808:808::1]", "public-ip"],
    ["www.gov.uk", "name"],
    ["committees.parliament.uk.", "name"],
  ])("%s is %s", (host, kind) => {
    expect(hostKind(host)).toBe(kind);
  });
});

describe("checkPublicUrl", () => {
  it("allows the rule's hosts over http and https", () => {
    expect(refused("https://committees.parliament.uk/publications/1/", RULE)).toBeNull();
    expect(refused("http://PUBLICATIONS.parliament.uk./pa/cm/report.htm", RULE)).toBeNull();
    const ok = checkPublicUrl("https://committees.parliament.uk/x", RULE);
    expect(ok.ok && ok.url.hostname).toBe("committees.parliament.uk");
  });

  it("refuses other hosts, schemes and credentials", () => {
    expect(refused("https://evil.example/", RULE)).toMatch(/evil\.example is not one of the hosts allowed/);
    expect(refused("https://committees.parliament.uk.evil.example/", RULE)).toMatch(/not one of the hosts allowed/);
    expect(refused("file:///etc/passwd", RULE)).toMatch(/scheme is file:/);
    expect(refused("ftp://committees.parliament.uk/", RULE)).toMatch(/scheme is ftp:/);
    expect(refused("gopher://committees.parliament.uk/", RULE)).toMatch(/only http and https/);
    expect(refused("data:text/html,hi", RULE)).toMatch(/scheme is data:/);
    expect(refused("https://user:pw@committees.parliament.uk/", RULE)).toMatch(/user name or password/);
    expect(refused("https://user@committees.parliament.uk/", RULE)).toMatch(/user name or password/);
    expect(refused("not a url", RULE)).toMatch(/not a valid URL/);
  });

  it("refuses every notation of a non-public address, even with no host list", () => {
    const forbidden = [
      "http://127.0.0.1/",
      "http://127.1/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://0x7f.0.0.1/",
      "http://0177.0.0.1/",
      "http://017700000001/",
      "http://[::1]/",
      "http://[0:0:0:0:0:0:0:1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://localhost:8787/v1/admin",
      "http://LocalHost./",
      "http://169.254.169.254/latest/meta-data/",
      "http://2852039166/",
      "http://0xa9.0xfe.0xa9.0xfe/",
      "http://0251.0376.0251.0376/",
      "http://[::ffff:169.254.169.254]/",
      "http://[fd00:ec2::254]/",
      "http://10.0.0.1/",
      "http://012.0.0.1/",
      "http://172.16.5.4/",
      "http://192.168.0.1/",
      "http://100.100.100.200/",
      "http://0.0.0.0/",
      "http://0/",
      "http://[::]/",
      "http://[fe80::1]/",
      "http://[ff02::1]/",
      "http://224.0.0.251/",
      "http://metadata.google.internal/",
      "http://metadata/",
      "http://nas.local/",
    ];
    for (const url of forbidden) {
      expect(refused(url), url).not.toBeNull();
      expect(refused(url, RULE), url).not.toBeNull();
    }
    expect(refused("http://169.254.169.254/")).toMatch(/169\.254\.169\.254 is not a public address/);
    expect(refused("http://2130706433/")).toMatch(
      /127\.0\.0\.1 is a loopback address, allowed only in local development/,
    );
    expect(refused("http://metadata.google.internal/")).toMatch(/local name/);
  });

  it("allows public hosts when no list is given", () => {
    expect(refused("https://hooks.example.org/scorecard")).toBeNull();
    expect(refused("https://8.8.8.8/")).toBeNull();
    expect(refused("https://[2a00:1450:4009::200e]/")).toBeNull();
  });

  it("allows loopback only in local development, then on any port and whatever the host list", () => {
    for (const url of ["http://127.0.0.1:4321/report.html", "http://localhost:8787/", "http://[::1]:9000/"]) {
      expect(refused(url, { ...RULE, allowLoopback: true }), url).toBeNull();
      expect(refused(url, RULE), url).toMatch(/loopback/);
    }
    // Loopback in development never opens the rest of the private network.
    expect(refused("http://10.0.0.1/", { allowLoopback: true })).toMatch(/not a public address/);
    expect(refused("http://169.254.169.254/", { allowLoopback: true })).toMatch(/not a public address/);
  });
});
