"use client";

import type { ComponentType } from "react";
import { Bot, Calculator, Flag, GitBranch, Hourglass, Repeat, ShieldCheck, Workflow, Wrench, Zap, type LucideIcon } from "lucide-react";
import type { NodeKind } from "@/lib/mission/schema";
import { ActionForm } from "./inspector/action-form";
import { ApprovalForm } from "./inspector/approval-form";
import { CallForm } from "./inspector/call-form";
import { ConditionForm } from "./inspector/condition-form";
import { ForEachForm } from "./inspector/for-each-form";
import type { FormProps } from "./inspector/form-props";
import { TransformForm } from "./inspector/transform-form";
import { TriggerForm } from "./inspector/trigger-form";
import { VerdictForm } from "./inspector/verdict-form";
import { WaitForm } from "./inspector/wait-form";
import { WorkerForm } from "./inspector/worker-form";

/**
 * The React half of the node-kind registry (lib/mission/node-kinds.ts holds the rest, and lib does
 * not import components): each kind's icon (the one its registry entry names) and inspector form.
 * The canvas card is the same for every kind (nodes/node-card.tsx), drawn from the registry's
 * summary and ports.
 */
export interface KindView<K extends NodeKind> {
  Icon: LucideIcon;
  /** The kind's fields in the inspector, below the name and id every step has. */
  Form: ComponentType<FormProps<K>>;
}

export const kindViews: { [K in NodeKind]: KindView<K> } = {
  trigger: { Icon: Zap, Form: TriggerForm },
  worker: { Icon: Bot, Form: WorkerForm },
  condition: { Icon: GitBranch, Form: ConditionForm },
  approval: { Icon: ShieldCheck, Form: ApprovalForm },
  action: { Icon: Wrench, Form: ActionForm },
  transform: { Icon: Calculator, Form: TransformForm },
  wait: { Icon: Hourglass, Form: WaitForm },
  call: { Icon: Workflow, Form: CallForm },
  forEach: { Icon: Repeat, Form: ForEachForm },
  verdict: { Icon: Flag, Form: VerdictForm },
};

/** A kind's view; the cast restates that a node's kind and data always match. */
export function kindView(kind: NodeKind): KindView<NodeKind> {
  return kindViews[kind] as unknown as KindView<NodeKind>;
}
