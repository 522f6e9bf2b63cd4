import pino from 'pino';
import type { StationContext } from './station-context.js';
import { StationLifecycle } from './station-lifecycle.js';

describe('StationLifecycle', () => {
  const ctx = { stationId: 'CP-1' } as StationContext;

  it.each(['accepted', 'connected'] as const)('runs %s listeners by their order, not by when they were registered', async (moment) => {
    const lifecycle = new StationLifecycle(pino({ level: 'silent' }));
    const ran: string[] = [];
    const listen = (name: string, order: number) => {
      const listener = async () => void ran.push(name);
      if (moment === 'accepted') lifecycle.onAccepted(listener, order);
      else lifecycle.onConnected(listener, order);
    };
    // Module initialisation order is not ours to choose: the profile re-send may register first.
    listen('profiles', 10);
    listen('onboarding', 0);
    if (moment === 'accepted') await lifecycle.accepted(ctx, { bootChanged: false });
    else await lifecycle.connected(ctx);
    expect(ran).toEqual(['onboarding', 'profiles']);
  });
});
