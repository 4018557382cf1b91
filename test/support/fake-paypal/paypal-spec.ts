import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Exchange } from './fake-paypal.server';

/**
 * PayPal's published OpenAPI documents, read in place from ../shared/paypal-openapi
 * (copied unchanged from PayPal's repository, Apache-2.0): never copied into the
 * project. A missing folder or file is an error, not a reason to skip.
 */
export const PAYPAL_SPEC_DIR = resolve(__dirname, '../../..', '../shared/paypal-openapi');

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: Schema[];
  requestBody?: { required?: boolean; content?: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; parameters?: Record<string, Schema> };
}

export function readPayPalDocument(file: string, dir = PAYPAL_SPEC_DIR): OpenApiDocument {
  const path = join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `PayPal's OpenAPI document ${path} is missing (../shared/paypal-openapi): ${(error as Error).message}`,
    );
  }
  return JSON.parse(text) as OpenApiDocument;
}

/** Where an exchange breaks PayPal's document: one line per finding. */
export interface Finding {
  call: string;
  problem: string;
}

/**
 * Validates requests and answers against one of PayPal's documents: path and
 * header parameters, the request body (and that it uses no field the document
 * marks deprecated), and the answer's body for its status.
 */
export class PayPalSpec {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly id: string;

  constructor(
    readonly document: OpenApiDocument,
    name: string,
  ) {
    this.ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(this.ajv);
    // PayPal's own formats (ppaas_*) are names for patterns the schemas already spell out.
    const text = JSON.stringify(document);
    for (const [, format] of text.matchAll(/"format":"([^"]+)"/g))
      if (!this.ajv.formats[format]) this.ajv.addFormat(format, true);
    this.id = `paypal-${name}`;
    this.ajv.addSchema({ $id: this.id, components: document.components });
  }

  static ordersV2(dir?: string): PayPalSpec {
    return new PayPalSpec(readPayPalDocument('checkout_orders_v2.json', dir), 'orders-v2');
  }

  /** The document's schema at a JSON pointer, e.g. "#/components/schemas/order". */
  validator(pointer: string): ValidateFunction {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${this.id}${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate;
  }

  /** The operation an exchange called, with its path parameters; undefined if the document has none. */
  operation(method: string, path: string) {
    for (const [template, methods] of Object.entries(this.document.paths)) {
      const names: string[] = [];
      const pattern = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      const match = new RegExp(`^${pattern}$`).exec(path);
      const operation = match && methods[method.toLowerCase()];
      if (match && operation) {
        const params = Object.fromEntries(
          names.map((n, i) => [n, decodeURIComponent(match[i + 1])]),
        );
        return { template, operation, params };
      }
    }
    return undefined;
  }

  check(exchange: Exchange): Finding[] {
    const call = `${exchange.method} ${exchange.path} -> ${exchange.status}`;
    const found = this.operation(exchange.method, exchange.path);
    if (!found) return [{ call, problem: 'no such operation in the document' }];
    const { operation, params } = found;
    const findings: Finding[] = [];
    const add = (problem: string) => findings.push({ call, problem });

    for (const raw of operation.parameters ?? []) {
      const parameter = this.resolve(raw);
      const name = String(parameter.name);
      const value =
        parameter.in === 'path'
          ? params[name]
          : parameter.in === 'header'
            ? exchange.headers[name.toLowerCase()]
            : undefined;
      if (value === undefined) {
        if (parameter.required && parameter.in !== 'query') add(`${parameter.in} ${name} missing`);
        continue;
      }
      const validate = this.ajv.compile(this.inline(parameter.schema as Schema));
      // A path parameter is what the server checks; the client's answer is then the 400 it gets.
      if (!validate(value) && !(parameter.in === 'path' && exchange.status === 400))
        add(
          `${parameter.in} ${name}=${JSON.stringify(value)}: ${this.ajv.errorsText(validate.errors)}`,
        );
    }

    const content = operation.requestBody?.content?.['application/json'];
    if (content) {
      if (exchange.body === undefined) {
        if (operation.requestBody?.required) add('request body missing');
      } else {
        const pointer = this.pointerOf(content.schema);
        const validate = pointer
          ? this.validator(pointer)
          : this.ajv.compile(this.inline(content.schema));
        if (!validate(exchange.body)) add(`request: ${this.ajv.errorsText(validate.errors)}`);
        for (const path of this.deprecatedIn(content.schema, exchange.body, 'body'))
          add(`request uses deprecated ${path}`);
      }
    }

    const response = operation.responses[String(exchange.status)] ?? operation.responses.default;
    if (!response) add(`status ${exchange.status} is not an answer of this operation`);
    const schema = response?.content?.['application/json']?.schema;
    if (schema) {
      const pointer = this.pointerOf(schema);
      const validate = pointer ? this.validator(pointer) : this.ajv.compile(this.inline(schema));
      if (!validate(exchange.answer)) add(`answer: ${this.ajv.errorsText(validate.errors)}`);
    }
    return findings;
  }

  /** Paths of properties the data uses that the document marks deprecated. */
  deprecatedIn(schema: Schema, data: unknown, at: string, depth = 0): string[] {
    if (depth > 30 || data === null || typeof data !== 'object') return [];
    const resolved = this.resolve(schema);
    if (resolved.deprecated) return [at];
    const found: string[] = [];
    for (const part of (resolved.allOf as Schema[] | undefined) ?? [])
      found.push(...this.deprecatedIn(part, data, at, depth + 1));
    if (Array.isArray(data)) {
      const items = resolved.items as Schema | undefined;
      if (items)
        data.forEach((d, i) =>
          found.push(...this.deprecatedIn(items, d, `${at}[${i}]`, depth + 1)),
        );
      return found;
    }
    const properties = (resolved.properties ?? {}) as Record<string, Schema>;
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      const property = properties[key];
      if (!property) continue;
      if (property.deprecated || this.resolve(property).deprecated) found.push(`${at}.${key}`);
      else found.push(...this.deprecatedIn(property, value, `${at}.${key}`, depth + 1));
    }
    return found;
  }

  private resolve(schema: Schema): Schema {
    let current = schema;
    for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
      const path = (current.$ref as string).replace(/^#\//, '').split('/');
      current = path.reduce<Schema>(
        (node, key) => node[key] as Schema,
        this.document as unknown as Schema,
      );
    }
    return current;
  }

  private pointerOf(schema: Schema): string | undefined {
    return typeof schema.$ref === 'string' ? schema.$ref : undefined;
  }

  /** A schema with its local references pointed at the document. */
  private inline(schema: Schema): Schema {
    return JSON.parse(
      JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${this.id}#/`),
    ) as Schema;
  }
}
