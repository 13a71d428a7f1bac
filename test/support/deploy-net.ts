// IPv4 address arithmetic for the deployment checks (subnets of the compose network).
import { isIPv4 } from 'node:net';

function toNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

/** Whether IPv4 `address` lies inside `cidr` (e.g. 10.0.0.0/24); false for anything malformed. */
export function addressInSubnet(address: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!network || !isIPv4(network) || !isIPv4(address) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(toNumber(address) / size) === Math.floor(toNumber(network) / size);
}
