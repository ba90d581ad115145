// Is a URL one that Scorecard may fetch (or, for webhooks, post to)? A pure check, used on every
// hop: the first URL, each redirect and robots.txt. A Worker cannot resolve names itself, so the
// main guard is the list of hosts a rule declares; the address checks stop what a name list
// cannot: literal addresses of the machine, its network and its cloud, in any notation.
//
// The WHATWG URL parser already rewrites an http(s) host written as a decimal, octal or hex
// number ("2130706433", "0x7f.1", "0177.0.0.1") to dotted IPv4, and an IPv6 literal to its
// compressed form ("[::ffff:127.0.0.1]" → "[::ffff:7f00:1]"); the checks below read those forms,
// and parse IPv4 numbers themselves too, so that a host that never went through the parser is
// judged the same way.

export interface UrlPolicy {
  /**
   * The only hosts allowed (exact names, any case, a trailing dot ignored). Absent: any public
   * name, as for a webhook to a subscriber's own server.
   */
  allowedHosts?: readonly string[];
  /**
   * Local development only: loopback (127.0.0.0/8, ::1, `localhost`) is allowed, on any port and
   * whatever `allowedHosts` says, for a maintainer testing against a page on their own machine.
   */
  allowLoopback?: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** What a host is, as far as can be told without resolving it. */
export type HostKind = "name" | "public-ip" | "loopback" | "non-public-ip" | "local-name";

const LOCAL_NAME_SUFFIXES = ["localhost", "internal", "local", "localdomain", "home.arpa", "lan", "intranet", "corp"];

/** Parses one IPv4 part as the URL standard does: decimal, 0x hex or 0-prefixed octal. */
function ipv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

/**
 * An IPv4 address in any notation the URL standard accepts ("127.0.0.1", "2130706433",
 * "0x7f.0.0.1", "0177.1", "127.1"), as a 32-bit number; null if the host is not one.
 */
export function parseIPv4(host: string): number | null {
  const parts = host.replace(/\.$/, "").split(".");
  if (parts.length === 0 || parts.length > 4 || parts.some((p) => p === "")) return null;
  const numbers = parts.map(ipv4Part);
  if (numbers.some((n) => n === null || !Number.isFinite(n))) return null;
  const values = numbers as number[];
  const last = values.pop()!;
  if (values.some((n) => n > 255) || last >= 256 ** (4 - values.length)) return null;
  return values.reduce((sum, n, i) => sum + n * 256 ** (3 - i), 0) + last;
}

const inV4 = (address: number, base: string, bits: number) => {
  const start = parseIPv4(base)!;
  const size = 2 ** (32 - bits);
  return address >= start && address < start + size;
};

/** Ranges that are not the public internet (IANA special-purpose registry, RFC 6890). */
const NON_PUBLIC_V4: [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["169.254.0.0", 16], // link-local, where cloud metadata services answer
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and broadcast
];

function kindOfV4(address: number): HostKind {
  if (inV4(address, "127.0.0.0", 8)) return "loopback";
  return NON_PUBLIC_V4.some(([base, bits]) => inV4(address, base, bits)) ? "non-public-ip" : "public-ip";
}

/** An IPv6 literal (with or without brackets, with an embedded IPv4 tail or not) as eight 16-bit groups. */
export function parseIPv6(host: string): number[] | null {
  let text = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (!text.includes(":") || text.includes("%")) return null; // a zone id never belongs in a URL we fetch
  const tail = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const parts = tail[1]!.split(".").map(Number);
    if (parts.some((p) => p > 255) || tail[1]!.split(".").some((p) => p.length > 1 && p.startsWith("0"))) return null;
    const v4 = ((parts[0]! << 8) | parts[1]!).toString(16) + ":" + ((parts[2]! << 8) | parts[3]!).toString(16);
    text = text.slice(0, text.length - tail[1]!.length) + v4;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

function kindOfV6(g: number[]): HostKind {
  const v4At = (hi: number, lo: number) => kindOfV4(g[hi]! * 65536 + g[lo]!);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 7) && g[7] === 1) return "loopback"; // ::1
  if (zeros(0, 5) && g[5] === 0xffff) return v4At(6, 7); // ::ffff:a.b.c.d, IPv4-mapped
  if (zeros(0, 6)) return g[6] === 0 && g[7]! <= 1 ? "non-public-ip" : v4At(6, 7); // ::, and ::a.b.c.d (IPv4-compatible)
  if (g[0] === 0x64 && g[1] === 0xff9b) return zeros(2, 6) ? v4At(6, 7) : "non-public-ip"; // NAT64, and its local use
  if (g[0] === 0x2002) return v4At(1, 2); // 6to4 carries an IPv4 address
  // Otherwise only global unicast (2000::/3), less the blocks set aside within it.
  if ((g[0]! & 0xe000) !== 0x2000) return "non-public-ip"; // ULA fc00::/7, link-local fe80::/10, multicast ff00::/8, …
  if (g[0] === 0x2001 && g[1]! < 0x200) return "non-public-ip"; // 2001::/23: Teredo, ORCHID, benchmarking
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "non-public-ip"; // documentation
  if (g[0] === 0x3fff && g[1]! < 0x1000) return "non-public-ip"; // documentation (RFC 9637)
  return "public-ip";
}

/** What a URL's hostname (as `new URL(…).hostname` gives it) names. */
export function hostKind(hostname: string): HostKind {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const v6 = parseIPv6(host);
  if (v6) return kindOfV6(v6);
  if (host.includes(":") || host.startsWith("[")) return "non-public-ip"; // an IPv6 literal we cannot read
  const v4 = parseIPv4(host);
  if (v4 !== null) return kindOfV4(v4);
  // The last label of a name is never all digits (the URL standard), so what looks numeric and
  // did not parse is refused rather than guessed.
  if (/^[0-9.x]+$/.test(host) || /\.(?:0x[0-9a-f]*|\d+)$/.test(host)) return "non-public-ip";
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (!host.includes(".")) return "local-name"; // a single label resolves, if at all, on a local network
  if (LOCAL_NAME_SUFFIXES.some((suffix) => host.endsWith(`.${suffix}`))) return "local-name";
  return "name";
}

const normalHost = (host: string) => host.toLowerCase().replace(/\.$/, "");

/**
 * Whether Scorecard may fetch `url`: http or https, no user name or password, a host on
 * `allowedHosts` (where given), and never a non-public address or a local name (`localhost`,
 * `*.internal`, …), in any notation. Loopback passes only with `allowLoopback`.
 */
export function checkPublicUrl(url: string | URL, policy: UrlPolicy = {}): UrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "it is not a valid URL" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return { ok: false, reason: `its scheme is ${parsed.protocol.slice(0, -1)}:, and only http and https are fetched` };
  if (parsed.username || parsed.password) return { ok: false, reason: "it carries a user name or password" };
  const host = parsed.hostname;
  if (host === "") return { ok: false, reason: "it names no host" };
  const kind = hostKind(host);
  if (kind === "loopback")
    return policy.allowLoopback
      ? { ok: true, url: parsed }
      : { ok: false, reason: `${host} is a loopback address, allowed only in local development` };
  if (kind === "non-public-ip") return { ok: false, reason: `${host} is not a public address` };
  if (kind === "local-name") return { ok: false, reason: `${host} is a local name, not a public host` };
  if (policy.allowedHosts && !policy.allowedHosts.map(normalHost).includes(normalHost(host)))
    return {
      ok: false,
      reason: `${host} is not one of the hosts allowed (${policy.allowedHosts.join(", ") || "none"})`,
    };
  return { ok: true, url: parsed };
}
