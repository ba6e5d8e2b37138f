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
   * (a data record without a digest, bytes after the LAST record) throws a parse_error, and a data
   * record carrying a result code throws that code's error, after the records before it were handed
   * out. A LAST carrying an error ends the frame and is returned (undefined otherwise): the caller
   * fails with it, and a retry resumes after exactly the records the consumer got.
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
        const error = record.resultCode !== ResultCode.OK && record.resultCode !== ResultCode.KEY_NOT_FOUND ? this.failure(record.resultCode) : undefined;
        // a LAST record ends the reply (protocol.md §4.1): bytes after it are not the server's records
        if (this.offset < end) throw this.malformed(`${end - this.offset} bytes follow the LAST record at offset ${at}`, error);
        if (error !== undefined) return error;
        this.last = true;
      } else if (record.resultCode !== ResultCode.OK) {
        // a data record carrying an error ends the node's reply like an error LAST, the records before it handed out
        this.offset = end;
        throw this.failure(record.resultCode);
      } else if (record.digest === undefined) {
        throw this.malformed(`a scan record at offset ${at} has no digest field`);
      } else if (tracker.recordSeen(record.digest)) {
        if (cmd.maxRecords !== undefined && tracker.emitted >= cmd.maxRecords) continue;
        tracker.emitted++;
        if (!emit(cmd.parse(record, this.nowMs))) return undefined;
      }
    }
    return undefined;
  }

  private failure(resultCode: number): AerospikeError {
    return AerospikeError.fromResultCode(resultCode, `${this.cmd.command} on node ${this.nodeName}`, { node: this.nodeName });
  }

  /** A parse_error naming the node; the frame is not read any further. */
  private malformed(what: string, cause?: unknown): AerospikeError {
    this.offset = this.frame.length;
    return new AerospikeError('parse_error', `${this.cmd.command} reply from node ${this.nodeName}: ${what}`, { node: this.nodeName, ...(cause !== undefined && { cause }) });
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
