import { Module } from '@nestjs/common';
import { HubClientInfoController } from './hubclientinfo.controller.js';
import { StillAliveJob } from './still-alive.job.js';

/** HubClientInfo: the Sender list and the still-alive job (the pushes live in ClientInfoService). */
@Module({ controllers: [HubClientInfoController], providers: [StillAliveJob], exports: [StillAliveJob] })
export class HubClientInfoModule {}
