/**
 * The answers to the client's own extended-protocol messages while the
 * runner's BEGIN stands in for the pipeline's implicit transaction (see
 * ./extended-runner.ts): the client's transaction commands get the answers
 * PostgreSQL gives them in an implicit transaction, not in a block.
 */
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ExtendedState } from './extended-state.ts';
import { commandTag, noticeCodes } from './own-statements.ts';

const NO_TRANSACTION = 'there is no transaction in progress';

function isNotice(frame: Frame, code: string): boolean {
  return frame.code === BackendCode.NoticeResponse && noticeCodes([frame])[0] === code;
}

function warning(code: string, message: string): Buffer {
  return serialize.noticeResponse({ severity: 'WARNING', code, message });
}

/**
 * The bytes for the client, per answered request in order; `refused` when a
 * command PostgreSQL refuses in an implicit transaction came (the rest is
 * skipped until Sync). Ends `state.ownsBlock` when the client's own command
 * ends or takes over the block.
 */
export function clientAnswers(groups: readonly Frame[][], state: ExtendedState): { out: Buffer[]; refused: boolean } {
  const out: Buffer[] = [];
  for (const frames of groups) {
    if (!state.ownsBlock) {
      for (const f of frames) out.push(f.raw);
      continue;
    }
    const tag = commandTag(frames);
    if (tag === 'BEGIN' || tag === 'START TRANSACTION') {
      // The client opens its own block: it takes over what the pipeline did, silently.
      state.ownsBlock = false;
      for (const f of frames) if (!isNotice(f, '25001')) out.push(f.raw);
      continue;
    }
    if (tag === 'COMMIT' || tag === 'ROLLBACK') {
      state.ownsBlock = false;
      for (const f of frames) {
        if (f.code === BackendCode.CommandComplete) out.push(warning('25P01', NO_TRANSACTION));
        out.push(f.raw);
      }
      continue;
    }
    if (tag === 'SAVEPOINT' || tag === 'RELEASE') {
      // PostgreSQL refuses these in an implicit transaction; the rest is skipped until Sync.
      out.push(
        serialize.errorResponse({
          severity: 'ERROR',
          code: '25P01',
          message: `${tag === 'SAVEPOINT' ? 'SAVEPOINT' : 'RELEASE SAVEPOINT'} can only be used in transaction blocks`,
        }),
      );
      return { out, refused: true };
    }
    for (const f of frames) out.push(f.raw);
  }
  return { out, refused: false };
}
