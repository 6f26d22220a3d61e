import { Injectable } from '@nestjs/common';
import { KindStrategy, Resource } from '../../../resource-kit/src/strategy';

/** Events are written only by the system (read-only API). `metadata.name` is the event code. */
@Injectable()
export class EventStrategy implements KindStrategy {
  readonly kind = 'Event';
  validate() {
    return [];
  }
  present(resource: Resource): Resource {
    // events carry no user metadata
    const { labels: _l, annotations: _a, modifiedAt: _m, ...metadata } = resource.metadata;
    return { ...resource, metadata: metadata as Resource['metadata'] };
  }
}
