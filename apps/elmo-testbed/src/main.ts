import 'reflect-metadata';
import { createRootLogger, exitOnBootFailure, runApp, type Logger } from '@cpo/platform';
import { AppModule, description } from './app.module.js';
import { loadTestbedConfig } from './config.js';

let logger: Logger | undefined;
try {
  const config = loadTestbedConfig();
  logger = createRootLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
  await runApp(AppModule.forRoot(config, logger), { config, logger, description });
} catch (err) {
  exitOnBootFailure(err, logger);
}
