/**
 * @module server/graph/routes/group-settings — reads and checks a settings update (`POST /{group_id}`): subject
 * and description as when creating, and a profile picture as a multipart `file` part that must be a square JPEG of
 * at least 192 px and at most 5 MB (reference §1.4: errors 131209 and 131210).
 */
import { createHash } from 'node:crypto';
import type { JSONSchemaType } from 'ajv';
import { imageSize } from 'image-size';
import { MAX_DESCRIPTION_LENGTH, MAX_SUBJECT_LENGTH, MIN_GROUP_PHOTO_SIDE } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from '../../../domain/error-catalog.js';
import type { SettingsChange } from '../../../domain/webhook-items.js';
import { GraphError, invalidParameter } from '../../graph-error.js';
import { compileParams, type GraphParams } from '../params.js';

interface SettingsBody {
  messaging_product: 'whatsapp';
  subject?: string;
  description?: string;
  profile_picture_file?: string;
}

const validateSettingsBody = compileParams<SettingsBody>({
  type: 'object',
  required: ['messaging_product'],
  properties: {
    messaging_product: { type: 'string', enum: ['whatsapp'] },
    subject: { type: 'string', maxLength: 16 * MAX_SUBJECT_LENGTH, nullable: true },
    description: { type: 'string', maxLength: MAX_DESCRIPTION_LENGTH, nullable: true },
    profile_picture_file: { type: 'string', nullable: true },
  },
} as JSONSchemaType<SettingsBody>);

/** Trimmed, non-empty, at most 128 characters: the rule for creating and for renaming. */
export function checkedSubject(raw: string): string {
  const subject = raw.trim();
  if (subject.length === 0) throw invalidParameter('Param subject must be a non-empty string');
  if ([...subject].length > MAX_SUBJECT_LENGTH) {
    throw invalidParameter(`Param subject must be at most ${MAX_SUBJECT_LENGTH} characters long`);
  }
  return subject;
}

export function readSettingsChange(params: GraphParams): SettingsChange {
  const { file, profile_picture_file: pictureParam, ...fields } = params;
  const body = validateSettingsBody(fields);
  if (file !== undefined && pictureParam !== undefined) {
    throw invalidParameter('Send the picture once: as file or as profile_picture_file, not both');
  }
  const picture = file ?? pictureBytes(pictureParam);
  const change: SettingsChange = {};
  if (body.subject !== undefined) change.subject = checkedSubject(body.subject);
  if (body.description !== undefined) change.description = body.description;
  if (picture !== undefined) change.photo = { sha256: checkedPhoto(picture) };
  if (change.subject === undefined && change.description === undefined && change.photo === undefined) {
    throw invalidParameter('Nothing to update: send subject, description or a profile picture (file)');
  }
  return change;
}

const DATA_URL = /^data:image\/jpeg;base64,/i;
const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}$/;

/**
 * `profile_picture_file` as pywa and the C# client send it, a multipart file part, or as Meta's spec has it in JSON,
 * a string its docs call a file path. A path names a file on the caller's machine, which a server cannot read; the
 * string is taken as the picture itself when it is the JPEG in base64 (plain or as a `data:image/jpeg;base64,` URL).
 */
function pictureBytes(value: unknown): unknown {
  if (value === undefined || value instanceof Buffer) return value;
  if (typeof value !== 'string') throw invalidParameter('Param profile_picture_file must be a string');
  const text = value.replace(DATA_URL, '');
  if (BASE64.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return bytes;
  }
  throw invalidParameter(
    'Param profile_picture_file must be the picture itself: a multipart/form-data file part (profile_picture_file or file), or the JPEG in base64 in JSON. A path names a file on your machine, which Groupgate cannot read.',
  );
}

/** Returns the picture's SHA-256 (hex) once it passes Meta's checks; its size was capped by the multipart parser. */
function checkedPhoto(file: unknown): string {
  if (!(file instanceof Buffer))
    throw invalidParameter('Param file must be an uploaded file (multipart/form-data)');
  let size: { type?: string; width: number; height: number };
  try {
    size = imageSize(file);
  } catch {
    throw invalidParameter('Param file must be a JPEG image (image/jpeg)');
  }
  if (size.type !== 'jpg') throw invalidParameter('Param file must be a JPEG image (image/jpeg)');
  if (size.width !== size.height) {
    throw new GraphError(GRAPH_ERRORS.PHOTO_NOT_SQUARE, {
      details: `The picture is ${size.width}x${size.height}; it must be square.`,
    });
  }
  if (size.width < MIN_GROUP_PHOTO_SIDE) {
    throw new GraphError(GRAPH_ERRORS.PHOTO_TOO_SMALL, {
      details: `The picture is ${size.width}x${size.height}; it must be at least ${MIN_GROUP_PHOTO_SIDE}x${MIN_GROUP_PHOTO_SIDE}.`,
    });
  }
  return createHash('sha256').update(file).digest('hex');
}
