/** IPv4 addresses and CIDR blocks for the IpAddress / NotIpAddress condition operators. */

function parseIpv4(text: string): number | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet)) return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/**
 * Whether `address` lies in `block` ('203.0.113.0/24', or a bare address that
 * means /32). Undefined when either side is not IPv4 (IPv6 is not emulated),
 * so the caller can treat it as "cannot compare" rather than "different".
 */
export function ipv4InBlock(address: string, block: string): boolean | undefined {
  const [base = '', prefixText = '32', ...rest] = block.split('/');
  if (rest.length > 0 || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const network = parseIpv4(base);
  const candidate = parseIpv4(address.replace(/\/32$/, ''));
  if (prefix > 32 || network === undefined || candidate === undefined) return undefined;
  // 2 ** (32 - prefix) addresses per block; integer division keeps this exact without 32-bit bit ops.
  const size = 2 ** (32 - prefix);
  return Math.floor(network / size) === Math.floor(candidate / size);
}
