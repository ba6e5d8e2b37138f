// One scan reply frame, read record by record (client-design.md §C5 Scan). A 1 MiB frame of small
// records holds thousands of them: decoding it whole before handing any out keeps them all alive at
// once, and when that live set nears the young generation's size every scavenge copies most of it
// (a run of 20–50 ms pauses that can double a scan's CPU). Handing each out as it is decoded keeps
// the live set to what the consumer holds.

import { Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import { checkAsMsgRecord } from '../protocol/as-msg';
import { PROTO_HEADER_SIZE } from '../protocol/constants';
import { decodeCheckedRecord } from '../protocol/record';
import { ResultCode } from '../protocol/result-codes';
import type { PartitionTracker } from './partition-tracker';
import type { ScanCommand } from './scan-executor';

export class ScanFrameReader<T> {
  /** A LAST record without an error was read: the node's stream is complete. */
  last = false;
  private offset = PROTO_HEADER_SIZE;

  /** `nowMs`: the clock when the frame arrived (its records' TTLs are read against it). */
  constructor(
    private readonly frame: Buffer,
    private readonly cmd: ScanCommand<T>,
    private readonly tracker: PartitionTracker,
    private readonly nodeName: string,
    private readonly nowMs: number,
  ) {}

  /** Every record was read (or an error ended the frame). */
  get done(): boolean {
    return this.offset >= this.frame.length;
  }

  /**
   * Reads up to `maxRecords` more records (scan records and markers alike), handing each record to
   * `emit` as soon as it is tracked (its digest becomes its partition's resume point), so what was
   * tracked is always what was handed out; stops early when `emit` returns false. A malformed record
   * throws, after the records before it were handed out. A LAST carrying an error ends the frame and
   * is returned (undefined otherwise): the caller fails with it, and a retry resumes after exactly
   * the records the consumer got.
   */
  read(emit: (value: T) => boolean, maxRecords = Infinity): unknown {
    const { frame, cmd, tracker } = this;
    const end = frame.length;
    for (let n = 0; this.offset < end && n < maxRecords; n++) {
      const at = this.offset;
      // the whole record is bounds-checked before any of it is decoded
      this.offset = checkAsMsgRecord(frame, at, end);
      // owned: the record keeps no view of the frame, whose memory the transport may read the next frame into (lendFrames)
      const record = decodeCheckedRecord(frame, at, true);
      if (record.partitionDone) {
        tracker.partitionDone(record.generation, record.resultCode);
      } else if (record.last) {
        if (record.resultCode !== ResultCode.OK && record.resultCode !== ResultCode.KEY_NOT_FOUND) {
          this.offset = end;
          return AerospikeError.fromResultCode(record.resultCode, `${cmd.command} on node ${this.nodeName}`, { node: this.nodeName });
        }
        this.last = true;
      } else if (record.digest !== undefined && tracker.recordSeen(record.digest)) {
        if (cmd.maxRecords !== undefined && tracker.emitted >= cmd.maxRecords) continue;
        tracker.emitted++;
        if (!emit(cmd.parse(record, this.nowMs))) return undefined;
      }
    }
    return undefined;
  }
}

/**
 * A frame's records, emitted as the reader decodes them (synchronously, while a lent frame is still
 * valid); after them the error of a LAST that carried one. Stops decoding when the subscriber goes.
 */
export function frameRecords$<T>(reader: ScanFrameReader<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const error = reader.read((value) => {
      subscriber.next(value);
      return !subscriber.closed;
    });
    if (error !== undefined) subscriber.error(error);
    else subscriber.complete();
  });
}
