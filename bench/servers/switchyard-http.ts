// Switchyard over its HTTP transport: commands posted, events over Server-Sent Events, every payload validated.
import { HttpTransport } from '../../src/index.js';
import { benchApp } from './bench-app.js';
import { announce } from './server-kit.js';

const transport = await benchApp().listen(new HttpTransport({ port: 0, host: '127.0.0.1', heartbeatIntervalMs: 0 }));
announce(transport.address.port, () => transport.stats.connections);
