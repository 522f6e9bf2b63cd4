import { Global, Module } from '@nestjs/common';
import { ReplanRequests } from './replan-requests.js';

@Global()
@Module({ providers: [ReplanRequests], exports: [ReplanRequests] })
export class ReplanModule {}
