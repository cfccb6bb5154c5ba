// The benchmark's second corpus: an employee handbook written for it, 45 topics × 5 aspects = 225
// clauses, and one question per clause worded the way an employee would ask, not the way the
// handbook says it (other words for the topic and for what is asked). Generated from the tables
// below so that the questions and the clauses they need stay in step; `npm run bench knowledge`
// reads it, and evaluation.ts adds questions over the demo refund policy.

export interface EvalQuestion {
  question: string;
  /** The clause that answers it. */
  clauseId: string;
}

interface Topic {
  /** As the handbook names it. */
  name: string;
  /** As people ask about it. */
  asked: string;
}

const TOPICS: Topic[] = [
  { name: "Laptop replacement", asked: "a new notebook" },
  { name: "Mobile phones", asked: "a work handset" },
  { name: "Home office equipment", asked: "gear for working remotely" },
  { name: "Parental leave", asked: "time off after having a baby" },
  { name: "Sick leave", asked: "being off ill" },
  { name: "Annual leave", asked: "my holiday" },
  { name: "Travel booking", asked: "a business trip" },
  { name: "Hotel stays", asked: "accommodation when away" },
  { name: "Meal allowance", asked: "food while travelling" },
  { name: "Mileage claims", asked: "driving my own car for work" },
  { name: "Training budget", asked: "paying for a course" },
  { name: "Conference attendance", asked: "going to an industry event" },
  { name: "Relocation support", asked: "moving house for the job" },
  { name: "Company cars", asked: "a vehicle from the firm" },
  { name: "Gym membership", asked: "a fitness subsidy" },
  { name: "Bicycle scheme", asked: "getting a bike through work" },
  { name: "Eye tests", asked: "glasses for screen work" },
  { name: "Overtime pay", asked: "extra hours" },
  { name: "Bonus payments", asked: "the incentive" },
  { name: "Salary advance", asked: "being paid early" },
  { name: "Expense reimbursement", asked: "getting money back for costs" },
  { name: "Password resets", asked: "a locked login" },
  { name: "Software installation", asked: "a new app on my machine" },
  { name: "Building access badges", asked: "a door pass" },
  { name: "Visitor registration", asked: "bringing guests in" },
  { name: "Parking permits", asked: "a car space" },
  { name: "Desk booking", asked: "reserving a workspace" },
  { name: "Printing", asked: "using the printer" },
  { name: "Data retention", asked: "how long records are kept" },
  { name: "Personal data deletion", asked: "erasing information about a customer" },
  { name: "Supplier gifts", asked: "presents from vendors" },
  { name: "Conflicts of interest", asked: "a side job" },
  { name: "Whistleblowing", asked: "reporting wrongdoing" },
  { name: "Working abroad", asked: "working from another country" },
  { name: "Jury service", asked: "being called to court" },
  { name: "Bereavement leave", asked: "time off after a death in the family" },
  { name: "Volunteering days", asked: "charity work" },
  { name: "Sabbaticals", asked: "a long break" },
  { name: "Pension contributions", asked: "saving for retirement" },
  { name: "Probation", asked: "my first months" },
  { name: "Performance reviews", asked: "my appraisal" },
  { name: "Promotions", asked: "moving up a grade" },
  { name: "Internal transfers", asked: "changing team" },
  { name: "Resignation notice", asked: "quitting" },
  { name: "Employment references", asked: "a letter for a future employer" },
];

const WHO = ["permanent employees", "all staff", "employees on a contract of a year or more", "full-time and part-time staff", "staff outside probation"];
const APPROVER = ["the line manager", "the head of department", "the HR business partner", "the budget holder", "the country director"];
const CHANNEL = ["the HR portal", "the service desk", "the finance system", "the intranet form", "the people team's inbox"];
const PERIOD = ["the year-end freeze in December", "the annual audit in March", "a notice period", "a formal disciplinary process", "the first two weeks of a project launch"];

/** The five things the handbook says about every topic, and how someone asks about each. */
const ASPECTS: { title: string; text: (t: string, i: number) => string; ask: (q: string) => string }[] = [
  {
    title: "who is eligible",
    text: (t, i) => `${t} is available to ${WHO[i % WHO.length]} once they have completed ${(i % 6) + 1} months of service.`,
    ask: (q) => `How long do I have to be employed here before I can get ${q}?`,
  },
  {
    title: "how to request it",
    text: (t, i) => `To obtain ${t.toLowerCase()}, submit form HR-${100 + i} through ${CHANNEL[i % CHANNEL.length]} with the supporting documents.`,
    ask: (q) => `Where do I apply for ${q}?`,
  },
  {
    title: "who approves it",
    text: (t, i) => `${t} needs sign-off by ${APPROVER[i % APPROVER.length]}; amounts above ${(i % 5 + 1) * 500} EUR also go to the finance director.`,
    ask: (q) => `Who has to agree before I get ${q}?`,
  },
  {
    title: "processing time",
    text: (t, i) => `${t} is settled within ${(i % 7) + 2} working days of a complete submission; incomplete ones are returned.`,
    ask: (q) => `How quickly does ${q} come through?`,
  },
  {
    title: "when it is refused",
    text: (t, i) => `${t} is not granted during ${PERIOD[i % PERIOD.length]}, except in emergencies confirmed in writing by HR.`,
    ask: (q) => `Are there periods when ${q} is turned down?`,
  },
];

const PER_DOCUMENT = 5;

export function handbookClauseId(topic: number, aspect: number): string {
  return `HB-${topic + 1}.${aspect + 1}`;
}

/** The handbook as Markdown documents (five topics each), uploaded like any other. */
export function handbookDocuments(): { filename: string; content: string }[] {
  const docs: { filename: string; content: string }[] = [];
  for (let start = 0; start < TOPICS.length; start += PER_DOCUMENT) {
    const part = start / PER_DOCUMENT + 1;
    const lines = [`# Employee handbook, part ${part}`, ""];
    TOPICS.slice(start, start + PER_DOCUMENT).forEach((topic, k) => {
      const t = start + k;
      lines.push(`## ${topic.name}`, "");
      ASPECTS.forEach((a, j) => lines.push(`### ${handbookClauseId(t, j)} ${topic.name}: ${a.title}`, "", a.text(topic.name, t), ""));
    });
    docs.push({ filename: `employee-handbook-${part}.md`, content: lines.join("\n") });
  }
  return docs;
}

/** One question per handbook clause. */
export function handbookQuestions(): EvalQuestion[] {
  return TOPICS.flatMap((topic, t) => ASPECTS.map((a, j) => ({ question: a.ask(topic.asked), clauseId: handbookClauseId(t, j) })));
}

// ---------- filler: more clauses in the same style, so search is timed over 10,000 ----------

const FILLER_SUBJECTS = [
  "Forklift certification", "Warehouse shift swaps", "Lab safety goggles", "Cold-storage access", "Fleet fuel cards", "Night-shift allowance",
  "Uniform laundering", "First-aid training", "Canteen vouchers", "Locker allocation", "Tool hire", "Radio handsets",
  "Press enquiries", "Social media posts", "Brand templates", "Translation services", "Courier accounts", "Archive boxes",
  "Shredding bins", "Key safes", "Fire marshal duty", "Noise protection", "Hand-arm vibration checks", "Ladder inspections",
];

/** `count` clauses in documents of 200, in the handbook's style (the same aspects, other subjects). */
export function fillerDocuments(count: number): { filename: string; content: string }[] {
  const docs: { filename: string; content: string }[] = [];
  for (let made = 0, d = 1; made < count; d++) {
    const lines = [`# Site operations manual ${d}`, ""];
    for (let k = 0; k < 200 && made < count; k++, made++) {
      const subject = `${FILLER_SUBJECTS[made % FILLER_SUBJECTS.length]} (site ${Math.floor(made / FILLER_SUBJECTS.length) + 1})`;
      const aspect = ASPECTS[made % ASPECTS.length]!;
      lines.push(`## OPS-${d}.${k + 1} ${subject}: ${aspect.title}`, "", aspect.text(subject, made * 7 + d), "");
    }
    docs.push({ filename: `site-operations-${d}.md`, content: lines.join("\n") });
  }
  return docs;
}
