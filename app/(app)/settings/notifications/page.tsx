import type { Metadata } from "next";
import { NotificationSettings } from "@/components/decisions/notification-settings";

export const metadata: Metadata = { title: "Notifications" };

export default function NotificationsPage() {
  return <NotificationSettings />;
}
