import { sha256 } from '../../common/hash.ts'
import { createRandom, type Random } from '../../common/random.ts'
import { TOPICS, type CapabilityDescriptor } from '../../discovery/descriptor.ts'
import { baidIdOf } from '../../identity/ids.ts'
import type { Host } from '../../host.ts'

// A fleet of realistic capability descriptors and intents, deterministic from an index, for the testnet, benches and tests.

export type Topic = typeof TOPICS[number]

/** What a person might ask for, the topic it belongs to, and the data they would hand over. */
export interface Intent { text: string, topic: Topic, dataClasses: string[] }

type Schema = Record<string, unknown>

interface Vocabulary {
  capabilities: Array<{ name: string, tags: string[] }>
  subjects: string[]
  sentences: string[]
  features: string[]
  tags: string[]
  dataClasses: string[]
  latencyMs: [number, number]
  input: (r: Random) => Schema
  output: (r: Random) => Schema
  examples: Array<{ input: string, output: string }>
  intents: string[]
}

const textField = (description: string, maxLength = 20_000): Schema => ({ type: 'string', description, maxLength })

const VOCABULARY: Record<Topic, Vocabulary> = {
  code_generation: {
    capabilities: [
      { name: 'function generator', tags: ['codegen', 'functions'] },
      { name: 'REST API scaffolder', tags: ['api', 'scaffolding', 'rest'] },
      { name: 'unit test writer', tags: ['unit-tests', 'testing', 'coverage'] },
      { name: 'SQL query builder', tags: ['sql', 'queries', 'database'] },
      { name: 'UI component generator', tags: ['frontend', 'components', 'ui'] },
      { name: 'regex crafter', tags: ['regex', 'parsing'] },
      { name: 'CLI tool scaffolder', tags: ['cli', 'scaffolding'] },
      { name: 'data model generator', tags: ['orm', 'models', 'schema'] },
      { name: 'migration script writer', tags: ['migrations', 'database'] },
      { name: 'refactoring assistant', tags: ['refactoring', 'clean-code'] }
    ],
    subjects: ['TypeScript', 'Python', 'Go', 'Rust', 'Java', 'Kotlin', 'C#', 'Ruby', 'Swift', 'PHP', 'Elixir', 'Scala'],
    sentences: [
      'Generates idiomatic {subject} code from a plain-language specification and the surrounding files you provide.',
      'Writes {subject} source that compiles on the first try, following your style guide and naming conventions.',
      'Produces small, reviewable diffs with {feature} instead of rewriting whole files.',
      'Understands popular {subject} frameworks and libraries and picks the ones already used in your repository.',
      'Every generated function comes with docstrings, type annotations and {feature}.',
      'Can scaffold a new module, extend an existing one, or port code from another language into {subject}.',
      'Runs the generated code against the included tests in a sandbox before returning it.',
      'Explains each design decision briefly so you can review the implementation quickly.'
    ],
    features: ['unit tests', 'property-based tests', 'error handling', 'input validation', 'logging hooks', 'benchmarks', 'example usage', 'changelog entries'],
    tags: ['code', 'programming', 'implementation', 'boilerplate', 'generation', 'typescript', 'python', 'golang', 'rust', 'java'],
    dataClasses: ['source_code', 'public_text', 'internal_docs'],
    latencyMs: [1500, 20_000],
    input: r => ({
      type: 'object',
      properties: {
        specification: textField('What the code should do, in plain language or pseudo-code'),
        language: { type: 'string', enum: ['typescript', 'python', 'go', 'rust', 'java', 'kotlin', 'csharp', 'ruby'] },
        context_files: {
          type: 'array',
          maxItems: 20,
          items: { type: 'object', properties: { path: { type: 'string' }, content: textField('File content', 100_000) }, required: ['path', 'content'] }
        },
        style_guide: textField('Conventions to follow', 5000),
        ...(r() < 0.5 ? { test_framework: { type: 'string', enum: ['vitest', 'jest', 'pytest', 'go test', 'junit'] } } : {})
      },
      required: r() < 0.3 ? ['specification', 'language', 'context_files'] : ['specification', 'language'],
      additionalProperties: r() >= 0.5
    }),
    output: () => ({
      type: 'object',
      properties: {
        files: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] } },
        explanation: { type: 'string' },
        tests_passed: { type: 'boolean' }
      },
      required: ['files']
    }),
    examples: [
      { input: '{"specification":"parse ISO-8601 durations like PT1H30M into seconds","language":"typescript"}', output: '{"files":[{"path":"src/duration.ts","content":"export function parseDuration (text: string): number { … }"}],"tests_passed":true}' },
      { input: '{"specification":"a FastAPI endpoint that lists invoices with pagination","language":"python"}', output: '{"files":[{"path":"app/invoices.py","content":"@router.get(\\"/invoices\\") …"}],"explanation":"Cursor pagination keeps pages stable under inserts."}' },
      { input: '{"specification":"retry an HTTP call with exponential backoff and jitter","language":"go"}', output: '{"files":[{"path":"retry/retry.go","content":"func Do(ctx context.Context, f func() error) error { … }"}]}' }
    ],
    intents: [
      'Write a {subject} function that parses ISO dates and add unit tests',
      'Generate a REST API endpoint in {subject} for listing invoices with pagination',
      'I need unit tests for my {subject} payment module',
      'Scaffold a command line tool in {subject} that syncs files to S3',
      'Build a SQL query that finds customers who churned last quarter',
      'Refactor this {subject} class into smaller functions with error handling',
      'Create a React component for a sortable data table',
      'Write a regex that validates international phone numbers',
      'Port this Python script to {subject}',
      'Generate database migration scripts for adding an orders table'
    ]
  },
  code_review_security: {
    capabilities: [
      { name: 'security code review', tags: ['security', 'code-review', 'sast'] },
      { name: 'dependency vulnerability audit', tags: ['dependencies', 'cve', 'supply-chain'] },
      { name: 'secrets leak scanner', tags: ['secrets', 'credentials', 'leaks'] },
      { name: 'authentication flow reviewer', tags: ['authentication', 'oauth', 'sessions'] },
      { name: 'injection flaw detector', tags: ['sql-injection', 'xss', 'injection'] },
      { name: 'smart contract auditor', tags: ['solidity', 'smart-contracts', 'audit'] },
      { name: 'container image auditor', tags: ['containers', 'docker', 'hardening'] },
      { name: 'OWASP Top 10 reviewer', tags: ['owasp', 'web-security'] },
      { name: 'cryptography misuse checker', tags: ['cryptography', 'tls', 'hashing'] },
      { name: 'access control reviewer', tags: ['authorization', 'rbac', 'idor'] }
    ],
    subjects: ['web application', 'TypeScript', 'Python', 'Go', 'Java', 'Node.js', 'Django', 'Spring Boot', 'Rails', 'mobile app', 'Kubernetes manifest', 'Terraform'],
    sentences: [
      'Reviews {subject} code for security vulnerabilities and reports each finding with severity, location and a suggested fix.',
      'Looks for {feature} and other weaknesses from the OWASP Top 10 and the CWE Top 25.',
      'Combines static analysis with manual-style reasoning about data flow from untrusted input to dangerous sinks.',
      'Checks third-party dependencies against public advisories and flags known CVEs with upgrade paths.',
      'Findings are deduplicated and ranked so the most exploitable issues come first.',
      'Never executes your code and never stores it after the review; results are signed with receipts.',
      'Highlights {feature} in pull requests before they reach production.',
      'Produces a SARIF report that your CI pipeline and code host can display inline.'
    ],
    features: ['SQL injection', 'cross-site scripting', 'server-side request forgery', 'insecure deserialization', 'hard-coded credentials', 'path traversal', 'broken access control', 'weak password hashing', 'missing CSRF protection'],
    tags: ['security', 'vulnerabilities', 'audit', 'review', 'cwe', 'pentest', 'appsec', 'compliance', 'sarif', 'static-analysis'],
    dataClasses: ['source_code', 'infrastructure_config', 'dependency_manifest'],
    latencyMs: [5000, 60_000],
    input: r => ({
      type: 'object',
      properties: {
        repository: { type: 'object', properties: { files: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] } } }, required: ['files'] },
        diff: textField('A unified diff to review instead of whole files', 200_000),
        focus: { type: 'array', items: { type: 'string', enum: ['injection', 'auth', 'secrets', 'crypto', 'dependencies', 'access-control'] } },
        severity_threshold: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] }
      },
      required: r() < 0.4 ? ['repository', 'severity_threshold'] : ['repository'],
      additionalProperties: r() >= 0.5
    }),
    output: () => ({
      type: 'object',
      properties: {
        findings: {
          type: 'array',
          items: { type: 'object', properties: { rule: { type: 'string' }, severity: { type: 'string' }, path: { type: 'string' }, line: { type: 'integer' }, fix: { type: 'string' } }, required: ['rule', 'severity', 'path'] }
        },
        sarif: { type: 'object' },
        summary: { type: 'string' }
      },
      required: ['findings', 'summary']
    }),
    examples: [
      { input: '{"repository":{"files":[{"path":"api/login.ts","content":"db.query(`SELECT * FROM users WHERE name = \'${name}\'`)"}]}}', output: '{"findings":[{"rule":"CWE-89","severity":"critical","path":"api/login.ts","line":1,"fix":"Use a parameterised query."}],"summary":"1 critical finding"}' },
      { input: '{"repository":{"files":[{"path":"settings.py","content":"SECRET_KEY = \'d3v-s3cr3t\'"}]},"focus":["secrets"]}', output: '{"findings":[{"rule":"CWE-798","severity":"high","path":"settings.py","line":1}],"summary":"Hard-coded secret key"}' }
    ],
    intents: [
      'Review my {subject} login handler for SQL injection and XSS vulnerabilities',
      'Audit the dependencies of our {subject} service for known CVEs',
      'Check this pull request for leaked secrets and hard-coded credentials',
      'Find security vulnerabilities in my {subject} authentication flow',
      'Is my password hashing secure? Review the crypto code',
      'Security review of a Solidity smart contract before deployment',
      'Scan our Docker images for vulnerabilities and hardening issues',
      'Check my {subject} API for broken access control and IDOR',
      'Do an OWASP Top 10 review of our web application',
      'Look for server-side request forgery in the webhook handler'
    ]
  },
  devops_tool_execution: {
    capabilities: [
      { name: 'Terraform plan runner', tags: ['terraform', 'iac', 'plan'] },
      { name: 'Kubernetes deployment operator', tags: ['kubernetes', 'kubectl', 'deploy', 'rollouts'] },
      { name: 'CI pipeline fixer', tags: ['ci', 'github-actions', 'pipelines'] },
      { name: 'Dockerfile optimizer', tags: ['docker', 'images', 'build'] },
      { name: 'log triage runner', tags: ['logs', 'incidents', 'observability'] },
      { name: 'Ansible playbook executor', tags: ['ansible', 'configuration-management'] },
      { name: 'Helm chart upgrader', tags: ['helm', 'charts', 'upgrades'] },
      { name: 'cloud cost inspector', tags: ['finops', 'cost', 'billing'] },
      { name: 'incident runbook executor', tags: ['runbooks', 'on-call', 'sre'] },
      { name: 'database backup operator', tags: ['backups', 'postgres', 'restore'] }
    ],
    subjects: ['AWS', 'Google Cloud', 'Azure', 'Kubernetes', 'bare-metal', 'GitHub Actions', 'GitLab CI', 'Hetzner', 'DigitalOcean', 'on-premises'],
    sentences: [
      'Runs infrastructure tools against your {subject} environment with the scoped credentials you grant for one task.',
      'Executes {feature} in an isolated runner and streams the command log back to you.',
      'Every tool call is recorded with its input hash, output hash and timing, so the run can be audited afterwards.',
      'Supports dry runs first: nothing changes until you approve the plan it shows you.',
      'Knows common failure modes of {subject} deployments and proposes a rollback when health checks fail.',
      'Can open a pull request with the fix instead of applying it directly.',
      'Keeps secrets in memory only and discards the runner when the task ends.',
      'Reports what changed, what it cost and how to undo it.'
    ],
    features: ['terraform plan and apply', 'kubectl rollouts', 'helm upgrades', 'canary deployments', 'database migrations', 'log queries', 'container builds', 'cache warmups', 'certificate renewals'],
    tags: ['devops', 'automation', 'infrastructure', 'deployment', 'operations', 'cloud', 'sre', 'tooling', 'shell', 'runner'],
    dataClasses: ['infrastructure_config', 'logs', 'credentials', 'source_code'],
    latencyMs: [3000, 120_000],
    input: r => ({
      type: 'object',
      properties: {
        task: textField('The operation to perform, e.g. "roll back api to the previous release"', 4000),
        environment: { type: 'string', enum: ['development', 'staging', 'production'] },
        credentials_ref: { type: 'string', description: 'A handle for short-lived credentials granted for this task' },
        dry_run: { type: 'boolean', default: true },
        files: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } } }
      },
      required: r() < 0.5 ? ['task', 'environment', 'credentials_ref'] : ['task', 'environment'],
      additionalProperties: r() >= 0.4
    }),
    output: () => ({
      type: 'object',
      properties: {
        plan: { type: 'string' },
        applied: { type: 'boolean' },
        log: { type: 'array', items: { type: 'object', properties: { command: { type: 'string' }, exit_code: { type: 'integer' }, output_digest: { type: 'string' } } } },
        rollback: { type: 'string' }
      },
      required: ['plan', 'applied', 'log']
    }),
    examples: [
      { input: '{"task":"scale the checkout deployment to 6 replicas","environment":"staging","dry_run":true}', output: '{"plan":"kubectl scale deployment/checkout --replicas=6","applied":false,"log":[]}' },
      { input: '{"task":"find why the nightly build fails","environment":"development"}', output: '{"plan":"pin node to 20.x in .github/workflows/build.yml","applied":false,"log":[{"command":"gh run view 4812 --log","exit_code":0}]}' }
    ],
    intents: [
      'Run terraform plan for our {subject} staging environment',
      'Roll back the Kubernetes deployment of the api service',
      'Fix the failing GitHub Actions pipeline on main',
      'Shrink our Docker image and speed up the build',
      'Triage the error logs from last night and find the root cause',
      'Upgrade the Helm chart for ingress-nginx on {subject}',
      'Find out why our {subject} bill doubled this month',
      'Execute the database backup runbook and verify the restore',
      'Run the Ansible playbook to patch all web servers',
      'Deploy a canary release to production on {subject}'
    ]
  },
  data_analysis: {
    capabilities: [
      { name: 'exploratory data analysis', tags: ['eda', 'statistics'] },
      { name: 'time series forecaster', tags: ['forecasting', 'time-series'] },
      { name: 'SQL analytics assistant', tags: ['sql', 'analytics', 'warehouse'] },
      { name: 'A/B test evaluator', tags: ['experiments', 'ab-testing', 'significance'] },
      { name: 'churn cohort analyst', tags: ['cohorts', 'churn', 'retention'] },
      { name: 'anomaly detector', tags: ['anomalies', 'outliers', 'monitoring'] },
      { name: 'dashboard summarizer', tags: ['dashboards', 'reporting', 'kpi'] },
      { name: 'survey response analyst', tags: ['surveys', 'sentiment', 'nlp'] },
      { name: 'financial ratio analyst', tags: ['finance', 'ratios', 'accounting'] },
      { name: 'geospatial analysis', tags: ['geospatial', 'maps', 'gis'] }
    ],
    subjects: ['CSV', 'Excel', 'Postgres', 'BigQuery', 'Snowflake', 'Parquet', 'Google Sheets', 'DuckDB', 'pandas', 'R'],
    sentences: [
      'Analyzes your {subject} data and answers questions in plain language with charts and the code that produced them.',
      'Cleans messy columns, handles missing values and reports {feature} with confidence intervals.',
      'Every number in the report links back to the query that computed it, so results can be reproduced.',
      'Detects seasonality, trends and outliers before drawing conclusions.',
      'Works on aggregated or pseudonymised data; personal data is never required.',
      'Suggests the next question worth asking and the data needed to answer it.',
      'Exports findings as a notebook, a slide-ready chart or a short executive summary.',
      'Uses {feature} where appropriate and explains the assumptions behind it.'
    ],
    features: ['regression models', 'significance tests', 'cohort retention curves', 'forecast intervals', 'pivot tables', 'correlation matrices', 'clustering', 'summary statistics', 'funnel conversion rates'],
    tags: ['data', 'analysis', 'statistics', 'charts', 'visualization', 'insights', 'reporting', 'pandas', 'sql', 'notebooks'],
    dataClasses: ['tabular_data', 'aggregated_metrics', 'personal_data', 'financial_data'],
    latencyMs: [2000, 45_000],
    input: r => ({
      type: 'object',
      properties: {
        question: textField('What you want to know', 4000),
        dataset: { type: 'object', properties: { format: { type: 'string', enum: ['csv', 'parquet', 'json', 'sql'] }, uri: { type: 'string' }, inline: { type: 'string' } }, required: ['format'] },
        columns: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } } },
        chart: { type: 'boolean', default: true }
      },
      required: r() < 0.5 ? ['question', 'dataset'] : ['question', 'dataset', 'columns'],
      additionalProperties: r() >= 0.5
    }),
    output: () => ({
      type: 'object',
      properties: {
        answer: { type: 'string' },
        tables: { type: 'array', items: { type: 'object' } },
        charts: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' }, vega_lite: { type: 'object' } } } },
        code: { type: 'string' }
      },
      required: ['answer']
    }),
    examples: [
      { input: '{"question":"Which region grew fastest last quarter?","dataset":{"format":"csv","inline":"region,month,revenue\\nEU,2025-01,120…"}}', output: '{"answer":"APAC grew 18% quarter on quarter, ahead of EU at 7%.","code":"df.groupby(\'region\').revenue.pct_change()"}' },
      { input: '{"question":"Is variant B better?","dataset":{"format":"json","inline":"{\\"a\\":{\\"n\\":5120,\\"conv\\":412},\\"b\\":{\\"n\\":5087,\\"conv\\":468}}"}}', output: '{"answer":"B converts better (9.2% vs 8.0%), p = 0.03."}' }
    ],
    intents: [
      'Analyze this {subject} export of sales and tell me which region grew fastest',
      'Forecast next month revenue from our daily time series',
      'Did variant B of the checkout page really convert better? Run a significance test',
      'Find the customer cohorts with the highest churn',
      'Detect anomalies in our server metrics from last week',
      'Summarize the survey responses and their sentiment',
      'Write SQL to compute weekly active users in {subject}',
      'Build charts showing retention by signup month',
      'Compute financial ratios from this balance sheet',
      'Map store locations and find underserved areas'
    ]
  },
  creative_writing: {
    capabilities: [
      { name: 'short story writer', tags: ['fiction', 'stories'] },
      { name: 'poetry composer', tags: ['poetry', 'poems', 'verse'] },
      { name: 'product copywriter', tags: ['copywriting', 'marketing'] },
      { name: 'screenplay drafter', tags: ['screenplay', 'scripts', 'dialogue'] },
      { name: "children's book author", tags: ['children', 'picture-books'] },
      { name: 'song lyricist', tags: ['lyrics', 'songs'] },
      { name: 'blog post ghostwriter', tags: ['blogging', 'seo', 'articles'] },
      { name: 'game lore designer', tags: ['worldbuilding', 'games', 'lore'] },
      { name: 'speech writer', tags: ['speeches', 'toasts', 'public-speaking'] },
      { name: 'newsletter editor', tags: ['newsletters', 'editing', 'email'] }
    ],
    subjects: ['fantasy', 'science fiction', 'mystery', 'romance', 'humorous', 'literary', 'horror', 'inspirational', 'technical', 'whimsical'],
    sentences: [
      'Writes original {subject} pieces in the voice and tone you describe, from a one-line prompt or a detailed brief.',
      'Keeps characters, names and facts consistent across drafts and revisions.',
      'Offers {feature} and several alternatives so you can choose the direction.',
      'Adapts length and reading level to the audience, from children to specialists.',
      'Never reuses your material for anyone else; drafts are yours.',
      'Can edit an existing draft for rhythm, clarity and structure rather than starting over.',
      'Explains the craft choices behind a draft when you ask for them.',
      'Writes for occasions such as birthdays, weddings, product launches and farewells.',
      'Works well for {subject} settings with rich worldbuilding and memorable dialogue.'
    ],
    features: ['an outline first', 'three alternative openings', 'headline variants', 'a rhyme scheme', 'scene-by-scene beats', 'a style sheet', 'tone variations', 'line edits'],
    tags: ['writing', 'creative', 'storytelling', 'content', 'editing', 'narrative', 'tone', 'drafts', 'prose', 'ideas'],
    dataClasses: ['public_text', 'creative_brief', 'internal_docs'],
    latencyMs: [1000, 30_000],
    input: r => ({
      type: 'object',
      properties: {
        brief: textField('What to write, for whom, and why', 8000),
        tone: { type: 'string', enum: ['playful', 'formal', 'warm', 'dark', 'inspirational', 'neutral'] },
        length_words: { type: 'integer', minimum: 20, maximum: 20_000 },
        draft: textField('An existing draft to revise', 100_000)
      },
      required: r() < 0.3 ? ['brief', 'tone'] : ['brief'],
      additionalProperties: r() >= 0.5
    }),
    output: () => ({
      type: 'object',
      properties: {
        text: { type: 'string' },
        title: { type: 'string' },
        alternatives: { type: 'array', items: { type: 'string' } },
        notes: { type: 'string' }
      },
      required: ['text']
    }),
    examples: [
      { input: '{"brief":"a bedtime story about a lighthouse keeper\'s cat","tone":"warm","length_words":400}', output: '{"title":"Pip and the Lamp","text":"Every night, when the sea turned the colour of ink, Pip climbed the hundred steps…"}' },
      { input: '{"brief":"launch email for a privacy-first calendar app","tone":"playful"}', output: '{"title":"Your week, nobody else\'s","text":"Meet Quill: the calendar that keeps your plans between you and your coffee…","alternatives":["Plans, not tracking"]}' }
    ],
    intents: [
      'Write a {subject} short story about a lighthouse keeper',
      'Compose a poem for my grandmother’s ninetieth birthday',
      'Write product copy for a privacy-first calendar app',
      'Draft a screenplay scene with witty dialogue between two detectives',
      'Create a bedtime story for a five year old about a brave cat',
      'Write song lyrics about leaving home',
      'Ghostwrite a blog post about remote work with SEO headlines',
      'Design the lore of a {subject} game world',
      'Write a wedding toast speech that is funny but warm',
      'Edit our company newsletter for clarity and tone'
    ]
  }
}

const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!

function sample<T> (r: Random, items: readonly T[], count: number): T[] {
  const pool = [...items]
  const chosen: T[] = []
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(r() * pool.length), 1)[0]!)
  return chosen
}

const fill = (template: string, slots: Record<string, string>): string => template.replace(/\{(\w+)\}/g, (_, slot: string) => slots[slot] ?? '')

const isTopic = (topic: string): topic is Topic => (TOPICS as readonly string[]).includes(topic)

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

const slug = (words: string): string => words.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')

/** Capability `i` of the fleet; by default agent ⌊i/4⌋ announces it (four capabilities per agent), issued now. */
export function makeDescriptor (i: number, opts: { agent?: Uint8Array, topic?: string, now?: number, ttlMs?: number } = {}): CapabilityDescriptor {
  const r = createRandom(i * 2654435761 + 17)
  const topic = opts.topic ?? TOPICS[i % TOPICS.length]!
  if (!isTopic(topic)) throw new Error(`makeDescriptor: no vocabulary for topic "${topic}"; use one of ${TOPICS.join(', ')}`)
  const vocabulary = VOCABULARY[topic]
  const capability = pick(r, vocabulary.capabilities)
  const subject = pick(r, vocabulary.subjects)
  const name = r() < 0.5 ? `${subject} ${capability.name}` : `${capitalize(capability.name)} for ${subject}`
  const description = sample(r, vocabulary.sentences, 5 + Math.floor(r() * 3))
    .map(s => fill(s, { subject, feature: pick(r, vocabulary.features) }))
    .join(' ')
  const secondTopic = r() < 0.25 ? [pick(r, TOPICS.filter(t => t !== topic))] : []
  const agent = opts.agent ?? sha256(utf8(`agent ${Math.floor(i / 4)}`))
  const [fastest, slowest] = vocabulary.latencyMs
  return {
    v: 1,
    agent,
    // Derived from the agent, so all of one agent's descriptors name the same BAID and config.
    baidId: baidIdOf(sha256(agent, utf8('genesis'))),
    baidVersion: 1 + (agent[0]! % 3),
    configDigest: sha256(agent, utf8('config')),
    id: `${slug(capability.name)}-${i}`,
    name,
    description,
    topics: [topic, ...secondTopic],
    tags: [...new Set([...capability.tags, ...sample(r, vocabulary.tags, 2 + Math.floor(r() * 4))])],
    inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', title: `${name} input`, ...vocabulary.input(r) },
    outputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', title: `${name} output`, ...vocabulary.output(r) },
    examples: sample(r, vocabulary.examples, 2 + Math.floor(r() * 2)),
    constraints: {
      maxInputBytes: pick(r, [16, 64, 256, 1024, 4096]) * 1024,
      dataClasses: [vocabulary.dataClasses[0]!, ...sample(r, vocabulary.dataClasses.slice(1), Math.floor(r() * vocabulary.dataClasses.length))],
      minRequesterTrust: pick(r, [0, 0, 0, 0.1, 0.3, 0.5, 0.7]),
      ratePerMinute: pick(r, [6, 10, 30, 60, 120]),
      price: Math.round(r() * 200) / 1000
    },
    qos: { p50LatencyMs: Math.round(fastest + r() * (slowest - fastest)), successRate: Math.round((0.7 + r() * 0.299) * 1000) / 1000 },
    verification: { tiersOffered: [0, 1, ...(r() < 0.5 ? [2] : []), ...(r() < 0.2 ? [3] : [])] },
    state: { available: r() < 0.9, load: Math.round(r() * 100) / 100 },
    issuedAt: opts.now ?? Date.now(),
    ttlMs: opts.ttlMs ?? 10 * 60 * 1000
  }
}

/** Capability `i` on `topic` as the agent of `host` announces it: its key, BAID and config digest. */
export function agentDescriptor (host: Pick<Host, 'identity'>, i: number, topic: string): CapabilityDescriptor {
  const head = host.identity.chain().head.record
  const info = host.identity.info()
  return { ...makeDescriptor(i, { agent: head.agent, topic }), baidId: info.baidId, baidVersion: info.baidVersion, configDigest: head.configDigest }
}

/** Intent `i`: a plain-language request aimed at one of the five topics in turn. */
export function makeIntent (i: number): Intent {
  const r = createRandom(i * 40503 + 99991)
  const topic = TOPICS[i % TOPICS.length]!
  const vocabulary = VOCABULARY[topic]
  return {
    text: fill(pick(r, vocabulary.intents), { subject: pick(r, vocabulary.subjects) }),
    topic,
    dataClasses: [vocabulary.dataClasses[0]!]
  }
}

function capitalize (words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1)
}
