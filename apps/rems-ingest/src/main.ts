import 'reflect-metadata';
import { createRootLogger, exitOnBootFailure, runApp, type Logger } from '@cpo/platform';
import { AppModule, description } from './app.module.js';
import { loadRemsIngestConfig } from './config.js';
import { startEmbeddedBroker } from './mqtt/embedded-broker.js';

let logger: Logger | undefined;
try {
  const config = loadRemsIngestConfig();
  logger = createRootLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
  if (config.REMS_MQTT_EMBEDDED_BROKER_PORT !== undefined) {
    // Listening before the app connects to it; it lives as long as the process.
    const broker = await startEmbeddedBroker(config.REMS_MQTT_EMBEDDED_BROKER_PORT, config.HTTP_HOST, logger);
    config.MQTT_URL = `mqtt://127.0.0.1:${broker.port}`;
  }
  await runApp(AppModule.forRoot(config, logger), { config, logger, description });
} catch (err) {
  exitOnBootFailure(err, logger);
}
