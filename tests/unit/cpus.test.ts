import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeviceInterrupts } from '../../harness/process/interrupts.js';
import { planCpus, planCpusForRemote } from '../../harness/run/cpus.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/proc/${name}`, import.meta.url), 'utf8');
/** A 4-CPU machine whose NIC queues took 1.8 M interrupts on CPU 0 and 0.9 M on CPU 1, the NVMe disk 120 k on CPU 0. */
const NIC_ON_0_AND_1 = fixture('interrupts-4cpu-nic.txt');
/** The 2-vCPU VM the seed's figures come from: the disk (virtio1-req.0) on CPU 1, the NIC's queues split. */
const VM = fixture('interrupts-2cpu-vm.txt');

describe('/proc/interrupts', () => {
  it('sums the numbered (device) rows per CPU and leaves the kernel\'s own (LOC, RES, ...) out', () => {
    const parsed = parseDeviceInterrupts(NIC_ON_0_AND_1)!;
    expect(Object.fromEntries(parsed.byCpu)).toEqual({ 0: 22 + 1_834_512 + 120_034, 1: 4 + 912_331, 2: 12, 3: 1 + 15 });
    expect(parsed.topDevicesByCpu.get(0)).toEqual(['enp3s0-TxRx-0', 'nvme0q0', 'timer']);
    expect(parsed.topDevicesByCpu.get(2)).toEqual(['enp3s0-TxRx-2']);
  });

  it('reads a virtio VM\'s rows (the chip column holds the PCI address)', () => {
    const parsed = parseDeviceInterrupts(VM)!;
    expect(Object.fromEntries(parsed.byCpu)).toEqual({ 0: 41_685, 1: 282_849 });
    expect(parsed.topDevicesByCpu.get(1)).toEqual(['virtio1-req.0', 'virtio2-input.0', 'virtio3-tx']);
  });

  it('gives up on text without a CPU header', () => {
    expect(parseDeviceInterrupts('')).toBeUndefined();
    expect(parseDeviceInterrupts('garbage\n 1: 2 3\n')).toBeUndefined();
  });
});

describe('CPU plan', () => {
  it('gives the service the CPUs that took the fewest device interrupts, the load side the rest', () => {
    const plan = planCpus([0, 1, 2, 3], 1, NIC_ON_0_AND_1);
    expect(plan).toMatchObject({ serviceCpus: '2', loadCpus: '0-1,3' });
    expect(plan.choice).toEqual({
      by: 'device-interrupts',
      interruptsByCpu: { 0: 1_954_568, 1: 912_335, 2: 12, 3: 16 },
      reason:
        'the service got the CPU that took the fewest device interrupts since boot (0.0 % of the allowed CPUs\'): ' +
        'CPU 0 1954568 (enp3s0-TxRx-0, nvme0q0, timer); CPU 1 912335 (enp3s0-TxRx-1, acpi); CPU 2 12 (enp3s0-TxRx-2); CPU 3 16 (enp3s0-TxRx-3, rtc0)',
    });
    expect(planCpus([0, 1, 2, 3], 2, NIC_ON_0_AND_1)).toMatchObject({ serviceCpus: '2-3', loadCpus: '0-1' });
    expect(planCpus([0, 1, 2, 3], 3, NIC_ON_0_AND_1)).toMatchObject({ serviceCpus: '1-3', loadCpus: '0' });
  });

  it('chooses among the allowed CPUs only', () => {
    expect(planCpus([1, 0], 1, NIC_ON_0_AND_1)).toMatchObject({ serviceCpus: '1', loadCpus: '0', choice: { interruptsByCpu: { 0: 1_954_568, 1: 912_335 } } });
  });

  it('keeps CPU 0 for the service on the VM, whose disk interrupts land on CPU 1', () => {
    expect(planCpus([0, 1], 1, VM)).toMatchObject({ serviceCpus: '0', loadCpus: '1', choice: { by: 'device-interrupts' } });
  });

  it('takes the lowest-numbered CPUs without /proc/interrupts, or with no device interrupt counted, and says so', () => {
    expect(planCpus([0, 1], 1)).toEqual({ serviceCpus: '0', loadCpus: '1', choice: { by: 'lowest-numbers', reason: '/proc/interrupts could not be read: the service got the lowest-numbered CPUs (0)' } });
    expect(planCpus([3, 2, 0, 1], 2)).toMatchObject({ serviceCpus: '0-1', loadCpus: '2-3' });
    expect(planCpus([2, 3], 1, NIC_ON_0_AND_1.replace(/ 12 /, '  0 ').replace(/ 1 {2}IR-IO-APIC {4}8/, ' 0  IR-IO-APIC    8').replace(/ 15 /, '  0 '))).toMatchObject({
      serviceCpus: '2',
      choice: { by: 'lowest-numbers', reason: 'no device interrupt was counted on the allowed CPUs: the service got the lowest-numbered CPUs (2)' },
    });
  });

  it('needs a CPU for the load side', () => {
    expect(() => planCpus([0], 1, NIC_ON_0_AND_1)).toThrow(/only 1 CPU/);
  });

  it('gives every CPU to the load side when no service runs here', () => {
    expect(planCpusForRemote([1, 0])).toEqual({ serviceCpus: '', loadCpus: '0-1', choice: { by: 'remote', reason: 'every service is a remote target: all allowed CPUs (0-1) to the load side' } });
  });
});
