import type { Metadata } from "next";
import { MissionEditor } from "@/components/editor/mission-editor";
import { editorMissionUrl } from "@/components/editor/editor-mission-source";
import { can, requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Mission" };

export default async function MissionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/missions/${id}`);
  // The mission is not part of the page: a 1,000-step graph made the answer ~420 KB of escaped
  // server payload to serialize, stream and parse. The browser fetches it as plain JSON instead,
  // starting as soon as it reads the page's head, while the scripts load. A <link> element, not
  // react-dom's preload(): React hoists the element into the HTML's head, whereas preload() from
  // a server component reaches the browser only once the scripts read the server payload.
  return (
    <>
      <link rel="preload" href={editorMissionUrl(id)} as="fetch" crossOrigin="anonymous" />
      <MissionEditor missionId={id} canEdit={can(user, "builder")} />
    </>
  );
}
